-- A database shaped like the platform's, for the demo and the tests. Every row is invented.
-- Apply as a superuser after sql/soc2-reader-role.sql, in the database to fill.
--
-- Faults on purpose, each found by a shipped control:
--   * role app logs in as SUPERUSER;
--   * client_notes has row-level security enabled but not forced, so its owner bypasses it;
--   * partition chat_messages_2026_02 has no row-level security of its own;
--   * session_payments lacks its foreign key to booking_sessions;
--   * import_staging matches no classification selector;
--   * two accounts were soft-deleted more than 30 days ago and are still there.
-- The rest passes: chat_messages and its January partition force RLS, booking_sessions has its
-- foreign keys, app_readonly and therapists are ordinary.

-- Roles. The application connects as app; migrations run as app, so app owns the tables.
CREATE ROLE app LOGIN SUPERUSER;
CREATE ROLE app_readonly LOGIN;
CREATE ROLE authenticated NOLOGIN;
GRANT authenticated TO app_readonly;

CREATE TABLE employers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  clerk_id text NOT NULL UNIQUE,
  email text NOT NULL,
  role text NOT NULL CHECK (role IN ('client', 'therapist', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Soft delete: the account is hidden at once and must be purged within 30 days.
  deleted_at timestamptz
);

CREATE TABLE therapists (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  license_state text NOT NULL,
  accepting_clients boolean NOT NULL DEFAULT true
);

CREATE TABLE clients (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  employer_id bigint REFERENCES employers (id),
  therapist_id bigint REFERENCES therapists (id)
);

CREATE TABLE client_notes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id bigint NOT NULL REFERENCES clients (id),
  therapist_id bigint NOT NULL REFERENCES therapists (id),
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE client_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY therapist_notes_policy ON client_notes FOR ALL TO authenticated
  USING (therapist_id = nullif(current_setting('app.therapist_id', true), '')::bigint);

CREATE TABLE chat_messages (
  id bigint GENERATED ALWAYS AS IDENTITY,
  client_id bigint NOT NULL REFERENCES clients (id),
  therapist_id bigint NOT NULL REFERENCES therapists (id),
  body text NOT NULL,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (id, sent_at)
) PARTITION BY RANGE (sent_at);
ALTER TABLE chat_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY chat_participants_policy ON chat_messages FOR ALL TO authenticated
  USING (therapist_id = nullif(current_setting('app.therapist_id', true), '')::bigint);

CREATE TABLE chat_messages_2026_01 PARTITION OF chat_messages
  FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
ALTER TABLE chat_messages_2026_01 ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_messages_2026_01 FORCE ROW LEVEL SECURITY;
CREATE POLICY chat_participants_policy ON chat_messages_2026_01 FOR ALL TO authenticated
  USING (therapist_id = nullif(current_setting('app.therapist_id', true), '')::bigint);

-- Created by a later migration that forgot the RLS statements.
CREATE TABLE chat_messages_2026_02 PARTITION OF chat_messages
  FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');

CREATE TABLE booking_sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id bigint NOT NULL REFERENCES clients (id),
  therapist_id bigint NOT NULL REFERENCES therapists (id),
  starts_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('booked', 'completed', 'cancelled'))
);

-- booking_session_id should reference booking_sessions (id); the constraint is missing.
CREATE TABLE session_payments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  booking_session_id bigint NOT NULL,
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  currency char(3) NOT NULL,
  paid_at timestamptz
);
ALTER TABLE session_payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_payments FORCE ROW LEVEL SECURITY;
CREATE POLICY payments_owner_policy ON session_payments FOR SELECT TO authenticated USING (true);

-- A scratch table from a data import that nobody classified.
CREATE TABLE import_staging (
  line integer NOT NULL,
  payload text
);

DO $$
DECLARE
  relation text;
BEGIN
  FOREACH relation IN ARRAY ARRAY['employers', 'users', 'therapists', 'clients', 'client_notes',
    'chat_messages', 'chat_messages_2026_01', 'chat_messages_2026_02', 'booking_sessions',
    'session_payments', 'import_staging'] LOOP
    EXECUTE format('ALTER TABLE %I OWNER TO app', relation);
  END LOOP;
END
$$;

GRANT SELECT ON ALL TABLES IN SCHEMA public TO app_readonly;

-- The retention control counts soft-deleted accounts: soc2_reader may read that one column.
GRANT USAGE ON SCHEMA public TO soc2_reader;
GRANT SELECT (deleted_at) ON users TO soc2_reader;

-- Invented rows, no real person behind any of them.
INSERT INTO employers (name) VALUES ('Example Logistics'), ('Sample Health Co');

INSERT INTO users (clerk_id, email, role, created_at, deleted_at) VALUES
  ('user_demo_01', 'therapist.one@example.com', 'therapist', now() - interval '400 days', NULL),
  ('user_demo_02', 'therapist.two@example.com', 'therapist', now() - interval '300 days', NULL),
  ('user_demo_03', 'client.one@example.com', 'client', now() - interval '200 days', NULL),
  ('user_demo_04', 'client.two@example.com', 'client', now() - interval '150 days', NULL),
  ('user_demo_05', 'client.three@example.com', 'client', now() - interval '120 days', now() - interval '45 days'),
  ('user_demo_06', 'client.four@example.com', 'client', now() - interval '100 days', now() - interval '31 days'),
  ('user_demo_07', 'client.five@example.com', 'client', now() - interval '90 days', now() - interval '5 days');

INSERT INTO therapists (user_id, license_state) VALUES (1, 'CA'), (2, 'NY');
INSERT INTO clients (user_id, employer_id, therapist_id) VALUES (3, 1, 1), (4, 2, 2);
INSERT INTO client_notes (client_id, therapist_id, body) VALUES
  (1, 1, 'Placeholder note text.'),
  (2, 2, 'Placeholder note text.');
INSERT INTO chat_messages (client_id, therapist_id, body, sent_at) VALUES
  (1, 1, 'Placeholder message.', '2026-01-15T10:00:00Z'),
  (2, 2, 'Placeholder message.', '2026-02-03T09:30:00Z');
INSERT INTO booking_sessions (client_id, therapist_id, starts_at, status) VALUES
  (1, 1, '2026-01-20T15:00:00Z', 'completed'),
  (2, 2, '2026-02-10T16:00:00Z', 'booked');
INSERT INTO session_payments (booking_session_id, amount_cents, currency, paid_at) VALUES
  (1, 12000, 'USD', '2026-01-20T16:00:00Z');
INSERT INTO import_staging (line, payload) VALUES (1, 'placeholder');
