"""Counters in up to eight rows each (leads.store.sql: COUNTER_SHARDS), summed when read.

Existing rows become shard 0 and keep their counts. From the moment the old (kind, key)
constraint goes until the new code serves, the old code's upsert cannot run: a signup in that
window (the deploy's roll) is answered 503, and the visitor can send it again.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_rename_lead_leadrow")]

    operations = [
        migrations.AddField(
            model_name="counter",
            name="shard",
            field=models.SmallIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name="counter",
            constraint=models.UniqueConstraint(
                fields=("kind", "key", "shard"), name="counter_kind_key_shard"
            ),
        ),
        migrations.RemoveConstraint(model_name="counter", name="counter_kind_key"),
    ]
