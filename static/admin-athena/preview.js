'use strict';
/*
 * Live previews in the admin, rendered by the server with the learners' own
 * renderer: beside every lesson's Markdown editor (its own page and inline on
 * the module page), and beside every quiz (question and lettered options, as
 * learners see it, never the answer). Refreshed 300 ms after the editor stops
 * typing, by a POST carrying the CSRF token. A same-origin static file, as the
 * CSP asks; the HTML it inserts is the server's sanitised rendering.
 */
(function () {
  const DELAY_MS = 300;

  function csrfToken() {
    const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : '';
  }

  function isTemplate(element) {
    // Django's hidden form that "Add another" copies.
    return element.name.includes('__prefix__') || element.closest('.empty-form') !== null;
  }

  // One preview box fed by `collect()`: each refresh posts, and only the
  // answer to the latest request is shown.
  function livePreview(box, url, collect) {
    let timer = null;
    let latest = 0;
    async function refresh() {
      const request = ++latest;
      const body = new URLSearchParams(collect());
      box.setAttribute('aria-busy', 'true');
      try {
        const response = await fetch(url, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'X-CSRFToken': csrfToken(), 'X-Requested-With': 'XMLHttpRequest' },
          body,
        });
        if (request !== latest) {
          return;
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        box.innerHTML = await response.text();
        box.dataset.state = 'fresh';
      } catch (error) {
        if (request === latest) {
          box.dataset.state = 'failed';
          box.textContent = 'The preview could not be refreshed. Your text is not affected.';
        }
      } finally {
        if (request === latest) {
          box.removeAttribute('aria-busy');
        }
      }
    }
    function schedule() {
      box.dataset.state = 'stale';
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    }
    // Render once the box comes into view: a module page holds many editors.
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        refresh();
      }
    });
    observer.observe(box);
    return schedule;
  }

  function previewBox(label) {
    const box = document.createElement('div');
    box.className = 'athena-preview';
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', label);
    box.tabIndex = 0;
    return box;
  }

  function setUpLesson(textarea) {
    if (textarea.dataset.previewReady || isTemplate(textarea)) {
      return;
    }
    textarea.dataset.previewReady = 'true';
    const editor = document.createElement('div');
    editor.className = 'athena-editor';
    textarea.parentNode.insertBefore(editor, textarea);
    editor.appendChild(textarea);
    const label = document.createElement('p');
    label.className = 'athena-preview-label';
    label.textContent = 'Preview, as learners will see it';
    const column = document.createElement('div');
    column.className = 'athena-preview-column';
    const box = previewBox('Lesson preview');
    column.append(label, box);
    editor.appendChild(column);
    const schedule = livePreview(box, textarea.dataset.previewUrl, () => [
      ['markdown', textarea.value],
      ['fragment', '1'],
    ]);
    textarea.addEventListener('input', schedule);
  }

  function setUpQuiz(question) {
    if (question.dataset.previewReady || isTemplate(question)) {
      return;
    }
    question.dataset.previewReady = 'true';
    // The quiz's own fields share the question's name prefix: "activities-0-" inline.
    const prefix = question.name.slice(0, -'question'.length);
    const form = question.form;
    const field = (name) => form.elements.namedItem(prefix + name);
    const names = ['question', 'option_1', 'option_2', 'option_3', 'option_4', 'option_5', 'option_6'];
    const anchor = (field('correct_option') && field('correct_option')[0]
      ? field('correct_option')[0] : question).closest('.form-row');
    const section = document.createElement('div');
    section.className = 'form-row athena-quiz-preview-row';
    const label = document.createElement('p');
    label.className = 'athena-preview-label';
    label.textContent = 'Preview, as learners will see it (the answer is not shown)';
    const box = previewBox('Quiz preview');
    section.append(label, box);
    anchor.parentNode.insertBefore(section, anchor.nextSibling);
    const schedule = livePreview(box, question.dataset.quizPreviewUrl, () =>
      names.filter((name) => field(name)).map((name) => [name, field(name).value]));
    names.forEach((name) => {
      if (field(name)) {
        field(name).addEventListener('input', schedule);
      }
    });
    form.addEventListener('athena:options-changed', schedule);
  }

  function setUp(root) {
    root.querySelectorAll('textarea.athena-markdown[data-preview-url]').forEach(setUpLesson);
    root.querySelectorAll('textarea[data-quiz-preview-url]').forEach(setUpQuiz);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => setUp(document));
  } else {
    setUp(document);
  }
  // A new inline form from "Add another lesson/quiz".
  document.addEventListener('formset:added', (event) => setUp(event.target));
})();
