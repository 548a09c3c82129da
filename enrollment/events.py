"""What enrollment tells other apps, as signals (apps above it listen;
enrollment never imports them)."""

from django.dispatch import Signal

# Sent (with `user` and `course`, the course with its outline) in the request
# whose completed lesson or right answer left no item of the course undone:
# certificates issues its certificate. Listeners run in that request, so they
# keep to a few queries.
course_finished = Signal()
