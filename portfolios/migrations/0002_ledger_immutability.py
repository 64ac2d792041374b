"""Database guards of the ledger.

* Journal entries and postings are immutable: an UPDATE (and, on PostgreSQL, a DELETE) of either
  is refused by a trigger. (TRUNCATE, used only to reset test databases, is not a row change.)
* PostgreSQL: every INSERT of postings must balance per journal entry (the legs it adds to each
  entry sum to zero), checked once per statement over the inserted rows; the services write all
  legs of an entry in one INSERT, and since existing postings can be neither changed nor
  deleted, every entry's postings always sum to zero.
"""

from django.db import migrations

PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION portfolios_ledger_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger rows are immutable (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER portfolios_journalentry_immutable
        BEFORE UPDATE OR DELETE ON portfolios_journalentry
        FOR EACH ROW EXECUTE FUNCTION portfolios_ledger_immutable()""",
    """CREATE TRIGGER portfolios_posting_immutable
        BEFORE UPDATE OR DELETE ON portfolios_posting
        FOR EACH ROW EXECUTE FUNCTION portfolios_ledger_immutable()""",
    """CREATE OR REPLACE FUNCTION portfolios_entry_balanced() RETURNS trigger AS $$
    DECLARE
        bad record;
    BEGIN
        SELECT entry_id, SUM(amount) AS total INTO bad
          FROM new_postings GROUP BY entry_id HAVING SUM(amount) <> 0 LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'journal entry % does not balance (postings sum to %)', bad.entry_id, bad.total
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER portfolios_posting_balanced
        AFTER INSERT ON portfolios_posting
        REFERENCING NEW TABLE AS new_postings
        FOR EACH STATEMENT EXECUTE FUNCTION portfolios_entry_balanced()""",
]

PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS portfolios_posting_balanced ON portfolios_posting",
    "DROP FUNCTION IF EXISTS portfolios_entry_balanced()",
    "DROP TRIGGER IF EXISTS portfolios_posting_immutable ON portfolios_posting",
    "DROP TRIGGER IF EXISTS portfolios_journalentry_immutable ON portfolios_journalentry",
    "DROP FUNCTION IF EXISTS portfolios_ledger_immutable()",
]

SQLITE_FORWARD = [
    """CREATE TRIGGER portfolios_journalentry_immutable BEFORE UPDATE ON portfolios_journalentry
       BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable'); END;""",
    """CREATE TRIGGER portfolios_posting_immutable BEFORE UPDATE ON portfolios_posting
       BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable'); END;""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS portfolios_journalentry_immutable;",
    "DROP TRIGGER IF EXISTS portfolios_posting_immutable;",
]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, PG_FORWARD if vendor == "postgresql" else SQLITE_FORWARD if vendor == "sqlite" else [])


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, PG_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD if vendor == "sqlite" else [])


class Migration(migrations.Migration):
    dependencies = [("portfolios", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
