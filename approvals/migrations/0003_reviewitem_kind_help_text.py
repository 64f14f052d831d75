from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0002_queue_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reviewitem",
            name="kind",
            field=models.CharField(db_index=True, help_text="Name of a registered draft kind.", max_length=40),
        ),
    ]
