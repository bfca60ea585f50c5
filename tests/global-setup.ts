// Placeholder: replaced by the PostgreSQL test server setup.
export default async function setup(): Promise<void> {}
