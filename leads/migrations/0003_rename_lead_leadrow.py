"""The ORM model is now LeadRow, so that it cannot be confused with the store's Lead record.

The table keeps its name and data: only Django's idea of the model changes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_apitoken")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameModel("Lead", "LeadRow"),
                migrations.AlterModelTable("leadrow", "leads_lead"),
            ],
        )
    ]
