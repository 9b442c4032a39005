from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0004_id_types_consents_closure"),
    ]

    operations = [
        migrations.AddField(
            model_name="volunteer",
            name="birth_year",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name="birth year"),
        ),
        migrations.AlterField(
            model_name="volunteer",
            name="birth_date",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="birth date"),
        ),
        migrations.AlterField(
            model_name="volunteer",
            name="gender",
            field=models.CharField(
                blank=True,
                choices=[("male", "Male"), ("female", "Female")],
                editable=False,
                max_length=6,
                verbose_name="gender",
            ),
        ),
        migrations.AlterField(
            model_name="volunteer",
            name="id_type",
            field=models.CharField(
                choices=[
                    ("resident_id", "Resident identity card"),
                    ("hmt_residence_permit", "Residence Permit for Hong Kong, Macao and Taiwan Residents"),
                    ("hk_macao_permit", "Mainland Travel Permit for Hong Kong and Macao Residents"),
                    ("taiwan_permit", "Mainland Travel Permit for Taiwan Residents"),
                    ("passport", "Passport"),
                    ("foreign_permanent_residence", "Foreign Permanent Resident ID Card"),
                ],
                default="resident_id",
                max_length=30,
                verbose_name="ID type",
            ),
        ),
    ]
