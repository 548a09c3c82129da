from django import template
from django.utils.safestring import SafeString

from courses.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """`{{ lesson.markdown|markdown }}`: untrusted Markdown to sanitised HTML."""
    return render_markdown(text)
