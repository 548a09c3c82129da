from django import template
from django.utils.safestring import SafeString

from courses.rendering import render_inline_markdown, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """`{{ lesson.markdown|markdown }}`: untrusted Markdown to sanitised HTML."""
    return render_markdown(text)


@register.filter(name="inline_markdown")
def inline_markdown_filter(text: str) -> SafeString:
    """`{{ option.text|inline_markdown }}`: one line of untrusted Markdown (code,
    emphasis, links) to sanitised inline HTML."""
    return render_inline_markdown(text)
