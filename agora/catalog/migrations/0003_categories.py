from django.db import migrations

CATEGORIES = {
    "Development": ["Web Development", "Programming Languages", "Mobile Development",
                    "Data Science", "Databases", "Software Testing"],
    "Business": ["Entrepreneurship", "Management", "Sales", "Project Management"],
    "Finance & Accounting": ["Accounting", "Investing", "Personal Finance"],
    "IT & Software": ["Cloud Computing", "Network & Security", "Operating Systems"],
    "Design": ["Graphic Design", "UX Design", "3D & Animation"],
    "Marketing": ["Digital Marketing", "Content Marketing", "Branding"],
    "Personal Development": ["Productivity", "Leadership", "Career Development"],
    "Photography & Video": ["Photography", "Video Production"],
    "Music": ["Instruments", "Music Theory", "Music Production"],
    "Health & Fitness": ["Fitness", "Nutrition", "Yoga"],
    "Teaching & Academics": ["Mathematics", "Science", "Languages"],
}


def slug(name):
    return (
        name.lower().replace("&", "and").replace(" ", "-").replace("--", "-").replace("--", "-")
    )


def seed(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    for position, (parent_name, children) in enumerate(CATEGORIES.items(), start=1):
        parent, _ = Category.objects.get_or_create(
            slug=slug(parent_name), defaults={"name": parent_name, "position": position}
        )
        for child_position, child in enumerate(children, start=1):
            Category.objects.get_or_create(
                slug=slug(child),
                defaults={"name": child, "parent": parent, "position": child_position},
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
