from django.db import migrations


class Migration(migrations.Migration):
    """Receipts rendered before the receipt status existed (inside the accept) are ready."""

    dependencies = [
        ("registry", "0010_receipt_status"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE registry_filing SET receipt_status = 'ready' WHERE receipt_pdf <> '' AND notice_pdf <> ''",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
