"""Each lesson's word count, and each course's estimated time in its metadata
(`minutes`: its lessons read at 200 words a minute, a minute a quiz), for the
content already there; the content services keep both from now on."""

import math
import re

from django.db import migrations, models
from django.db.models import Count, Sum

WORD = re.compile(r"\w+")
BATCH = 2000


def count(apps, schema_editor):
    Lesson = apps.get_model("courses", "Lesson")
    Course = apps.get_model("courses", "Course")
    batch = []
    for lesson in Lesson.objects.only("pk", "content").iterator(chunk_size=BATCH):
        content = lesson.content if isinstance(lesson.content, dict) else {}
        lesson.word_count = len(WORD.findall(str(content.get("value", ""))))
        batch.append(lesson)
        if len(batch) == BATCH:
            Lesson.objects.bulk_update(batch, ["word_count"])
            batch = []
    Lesson.objects.bulk_update(batch, ["word_count"])
    courses = Course.objects.annotate(words=Sum("modules__lessons__word_count")).values_list(
        "pk", "words", "metadata"
    )
    quizzes = dict(
        Course.objects.annotate(quizzes=Count("modules__activities")).values_list("pk", "quizzes")
    )
    for course_id, words, metadata in courses.iterator(chunk_size=BATCH):
        metadata = metadata if isinstance(metadata, dict) else {}
        minutes = math.ceil((words or 0) / 200) + quizzes.get(course_id, 0)
        Course.objects.filter(pk=course_id).update(metadata={**metadata, "minutes": minutes})


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0016_course_reviewed"),
    ]

    operations = [
        migrations.AddField(
            model_name="lesson",
            name="word_count",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.RunPython(count, migrations.RunPython.noop),
    ]
