-- The least-privilege role for soc2's PostgreSQL collectors.
--
-- Run as a superuser (on Amazon RDS, as a member of rds_superuser) in the database soc2 reads:
--   psql "$ADMIN_URL" -f sql/soc2-reader-role.sql
-- then give the role a password outside this file, e.g. with psql's \password soc2_reader,
-- and point DATABASE_URL at it. The script can run again: it only creates what is missing.
--
-- What the collectors read: the system catalogs (pg_class, pg_namespace, pg_policy,
-- pg_constraint, pg_inherits, pg_roles, pg_auth_members), pg_settings, pg_stat_activity and
-- pg_stat_ssl, plus has_any_column_privilege() for every login role. PUBLIC can read the
-- catalogs and call those functions, so no grant on them is needed. The role gets no SELECT on
-- any application table, so it can never read a row of one.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'soc2_reader') THEN
    CREATE ROLE soc2_reader LOGIN;
  END IF;
END
$$;

-- No attribute that widens what the role can do, and few connections: soc2 opens one per run.
ALTER ROLE soc2_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 5;

-- Sessions are read-only and short even if a client forgets to say so. soc2 sets both itself too.
ALTER ROLE soc2_reader SET default_transaction_read_only = on;
ALTER ROLE soc2_reader SET statement_timeout = '30s';

-- pg_read_all_settings: settings marked superuser-only, which the settings collector needs
-- (shared_preload_libraries tells whether pgaudit is loaded). Read access only.
GRANT pg_read_all_settings TO soc2_reader;

-- pg_read_all_stats: the client address, port and SSL state of other roles' sessions in
-- pg_stat_activity and pg_stat_ssl. Without it those columns are null and the connections
-- collector reports each such session as an error, because it cannot tell TLS from plain TCP.
-- pg_monitor would also work, but it adds pg_stat_scan_tables (functions that take locks on
-- tables), which soc2 does not need.
GRANT pg_read_all_stats TO soc2_reader;

-- Controls that use the postgres.query collector (e.g. retention counts) need USAGE on the
-- schema and SELECT on just the columns their query reads; count(*) needs one such column.
-- Grant them per control, never on whole tables, e.g.:
--   GRANT USAGE ON SCHEMA public TO soc2_reader;
--   GRANT SELECT (deleted_at) ON public.users TO soc2_reader;
