"""Audit rows name their actor forever and, on PostgreSQL, can be neither edited nor deleted.

1. Old rows get the acting user's user name and role (data migration).
2. On PostgreSQL every insert fills them from the user row when the writer left them empty (COPY, raw SQL): a
   BEFORE INSERT trigger. Elsewhere AuditLog.save() and AuditLogManager.bulk_create() fill them.
3. PostgreSQL only: UPDATE is always refused; DELETE only inside `manage.py purge_audit`'s transaction (it sets
   `dyfs.audit_purge` with SET LOCAL) and only for rows older than 180 days.
"""

from django.db import migrations

FILL_SQL = """
UPDATE accounts_auditlog SET
  username = (SELECT u.username FROM accounts_user u WHERE u.id = accounts_auditlog.user_id),
  user_role = (SELECT CASE WHEN u.is_superuser THEN 'superuser' ELSE u.role END
               FROM accounts_user u WHERE u.id = accounts_auditlog.user_id)
WHERE user_id IS NOT NULL AND username = ''
"""

POSTGRES_SQL = r"""
CREATE OR REPLACE FUNCTION accounts_auditlog_fill_actor() RETURNS trigger AS $$
BEGIN
  IF NEW.user_id IS NOT NULL AND (NEW.username IS NULL OR NEW.username = '') THEN
    SELECT u.username, CASE WHEN u.is_superuser THEN 'superuser' ELSE u.role END
      INTO NEW.username, NEW.user_role FROM accounts_user u WHERE u.id = NEW.user_id;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_auditlog_fill_actor BEFORE INSERT ON accounts_auditlog
  FOR EACH ROW EXECUTE FUNCTION accounts_auditlog_fill_actor();

CREATE OR REPLACE FUNCTION accounts_auditlog_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND current_setting('dyfs.audit_purge', true) = 'on'
     AND OLD.created_at < now() - interval '180 days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '审计记录只能追加，不能修改或删除（保留期满的记录请用 manage.py purge_audit 清理）。'
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_auditlog_append_only BEFORE UPDATE OR DELETE ON accounts_auditlog
  FOR EACH ROW EXECUTE FUNCTION accounts_auditlog_append_only();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS accounts_auditlog_append_only ON accounts_auditlog;
DROP FUNCTION IF EXISTS accounts_auditlog_append_only();
DROP TRIGGER IF EXISTS accounts_auditlog_fill_actor ON accounts_auditlog;
DROP FUNCTION IF EXISTS accounts_auditlog_fill_actor();
"""

def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(FILL_SQL)
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_SQL)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_sec_audit_actor")]

    operations = [migrations.RunPython(forwards, backwards)]
