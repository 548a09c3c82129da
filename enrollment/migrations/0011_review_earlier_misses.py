"""Questions missed on the first try before reviews existed come back too: a
review item for each learner's wrong first answer, due a day after it (so at
once, for any older than that), as for a miss recorded now."""

from datetime import timedelta

from django.db import migrations
from django.db.models import Exists, OuterRef, Q

BATCH = 1000
FIRST_INTERVAL = timedelta(days=1)  # enrollment.services.REVIEW_INTERVALS[0]


def schedule_earlier_misses(apps, schema_editor):
    QuizAttempt = apps.get_model("enrollment", "QuizAttempt")
    ReviewItem = apps.get_model("enrollment", "ReviewItem")
    earlier = QuizAttempt.objects.filter(
        Q(attempted_at__lt=OuterRef("attempted_at"))
        | Q(attempted_at=OuterRef("attempted_at"), pk__lt=OuterRef("pk")),
        user_id=OuterRef("user_id"),
        activity_id=OuterRef("activity_id"),
    )
    first_misses = (
        QuizAttempt.objects.filter(is_correct=False)
        .exclude(Exists(earlier))
        .values_list("user_id", "activity_id", "attempted_at")
        .order_by()
    )
    batch = []
    for user_id, activity_id, missed_at in first_misses.iterator(chunk_size=BATCH):
        batch.append(
            ReviewItem(
                user_id=user_id,
                activity_id=activity_id,
                step=0,
                due_at=missed_at + FIRST_INTERVAL,
                missed_at=missed_at,
            )
        )
        if len(batch) == BATCH:
            ReviewItem.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    ReviewItem.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0010_review_items")]

    # Backwards there is nothing to undo: 0010's reversal drops the table.
    operations = [migrations.RunPython(schedule_earlier_misses, migrations.RunPython.noop)]
