import type { TrustCategory } from "./control-schema.js";

export interface Criterion {
  id: string;
  series: string;
  title: string;
  category: TrustCategory;
}

export interface Series {
  id: string;
  title: string;
  category: TrustCategory;
}

/**
 * The 61 AICPA Trust Services Criteria (2017, points of focus revised 2022; the revision kept
 * the ids). Titles are our own short summaries, not AICPA's wording.
 */
export const SERIES: Series[] = [
  { id: "CC1", title: "Control environment", category: "security" },
  { id: "CC2", title: "Communication and information", category: "security" },
  { id: "CC3", title: "Risk assessment", category: "security" },
  { id: "CC4", title: "Monitoring activities", category: "security" },
  { id: "CC5", title: "Control activities", category: "security" },
  { id: "CC6", title: "Logical and physical access", category: "security" },
  { id: "CC7", title: "System operations", category: "security" },
  { id: "CC8", title: "Change management", category: "security" },
  { id: "CC9", title: "Risk mitigation", category: "security" },
  { id: "A1", title: "Availability", category: "availability" },
  { id: "PI1", title: "Processing integrity", category: "processing-integrity" },
  { id: "C1", title: "Confidentiality", category: "confidentiality" },
  { id: "P", title: "Privacy", category: "privacy" },
];

const TITLES: Array<[string, string]> = [
  ["CC1.1", "Commitment to integrity and ethical values"],
  ["CC1.2", "Board independence and oversight of internal control"],
  ["CC1.3", "Structures, reporting lines, authority and responsibility"],
  ["CC1.4", "Attracting, developing and keeping competent people"],
  ["CC1.5", "Holding people accountable for internal control duties"],
  ["CC2.1", "Obtaining and using relevant, quality information"],
  ["CC2.2", "Communicating control information internally"],
  ["CC2.3", "Communicating with external parties"],
  ["CC3.1", "Objectives clear enough to assess risk against"],
  ["CC3.2", "Identifying and analysing risks to objectives"],
  ["CC3.3", "Considering the potential for fraud"],
  ["CC3.4", "Identifying changes that affect internal control"],
  ["CC4.1", "Ongoing and separate evaluations of controls"],
  ["CC4.2", "Communicating control deficiencies in time"],
  ["CC5.1", "Selecting control activities that reduce risk"],
  ["CC5.2", "General controls over technology"],
  ["CC5.3", "Policies and procedures that put controls in place"],
  ["CC6.1", "Logical access security software, infrastructure and architecture"],
  ["CC6.2", "Registering and authorising users before granting access"],
  ["CC6.3", "Role-based access, least privilege and timely removal"],
  ["CC6.4", "Restricting physical access to facilities and assets"],
  ["CC6.5", "Disposing of assets and the data on them"],
  ["CC6.6", "Protecting the system boundary from outside threats"],
  ["CC6.7", "Protecting data in transit and its movement or removal"],
  ["CC6.8", "Preventing and detecting malicious software"],
  ["CC7.1", "Detecting configuration changes and new vulnerabilities"],
  ["CC7.2", "Monitoring components for anomalies and attacks"],
  ["CC7.3", "Evaluating security events to find incidents"],
  ["CC7.4", "Responding to security incidents"],
  ["CC7.5", "Recovering from security incidents"],
  ["CC8.1", "Authorising, testing, approving and deploying changes"],
  ["CC9.1", "Mitigating the risk of business disruption"],
  ["CC9.2", "Managing vendor and business partner risk"],
  ["A1.1", "Managing capacity to meet availability commitments"],
  ["A1.2", "Environmental protection, backups and recovery infrastructure"],
  ["A1.3", "Testing recovery plan procedures"],
  ["PI1.1", "Defining and communicating processing specifications"],
  ["PI1.2", "Complete and accurate system inputs"],
  ["PI1.3", "Complete, accurate and timely processing"],
  ["PI1.4", "Complete, accurate and timely outputs"],
  ["PI1.5", "Storing inputs, items in process and outputs completely"],
  ["C1.1", "Identifying and protecting confidential information"],
  ["C1.2", "Disposing of confidential information"],
  ["P1.1", "Notice to data subjects about privacy practices"],
  ["P2.1", "Choice and consent for collection, use and disclosure"],
  ["P3.1", "Collecting personal information only for stated objectives"],
  ["P3.2", "Explicit consent for sensitive personal information"],
  ["P4.1", "Using personal information only for stated objectives"],
  ["P4.2", "Retaining personal information no longer than needed"],
  ["P4.3", "Securely disposing of personal information"],
  ["P5.1", "Giving data subjects access to their information"],
  ["P5.2", "Correcting personal information on request"],
  ["P6.1", "Disclosing to third parties only with consent"],
  ["P6.2", "Recording authorised disclosures"],
  ["P6.3", "Recording unauthorised disclosures"],
  ["P6.4", "Privacy commitments from vendors and third parties"],
  ["P6.5", "Vendors reporting breaches and incidents"],
  ["P6.6", "Notifying affected parties of breaches"],
  ["P6.7", "Accounting of personal information held and disclosed"],
  ["P7.1", "Accurate, complete and relevant personal information"],
  ["P8.1", "Handling inquiries and complaints, and monitoring compliance"],
];

function seriesOf(id: string): Series {
  const prefix = id.startsWith("P") && !id.startsWith("PI") ? "P" : id.split(".")[0]!;
  const series = SERIES.find((candidate) => candidate.id === prefix);
  if (!series) throw new Error(`criterion ${id} has no series`);
  return series;
}

export const CRITERIA: Criterion[] = TITLES.map(([id, title]) => {
  const series = seriesOf(id);
  return { id, series: series.id, title, category: series.category };
});

export const CRITERIA_BY_ID = new Map(CRITERIA.map((criterion) => [criterion.id, criterion]));
