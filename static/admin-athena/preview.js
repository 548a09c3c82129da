'use strict';
/*
 * Live previews in the admin, rendered by the server with the learners' own
 * renderer: beside every lesson's Markdown editor (its own page and inline on
 * the module page), and beside every quiz (question and lettered options, as
 * learners see it, never the answer). Refreshed 300 ms after the editor stops
 * typing, by a POST carrying the CSRF token. A same-origin static file, as the
 * CSP asks; the HTML it inserts is the server's sanitised rendering.
 *
 * Each preview is an <iframe> holding a small page of the learner's
 * stylesheets (admin:courses_lesson_preview_frame, ..._activity_preview_frame),
 * so none of the admin's styles reach it: it looks exactly as the lesson or
 * quiz page will. The rendering goes into that page (same origin), which never
 * navigates, so typing adds nothing to the browser's history.
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
  function livePreview(box, url, collect, show) {
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
        await show(await response.text());
        box.dataset.state = 'fresh';
      } catch (error) {
        if (request === latest) {
          box.dataset.state = 'failed';
          show(null);
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

  // The words come from the editor's data-text-* attributes, in the editor's
  // language (courses.forms); English when they are missing.
  function words(element, name, fallback) {
    return element.dataset[name] || fallback;
  }

  // The frame's document, once it has loaded (a promise: the first refresh
  // may come before it).
  function frameReady(frame) {
    return new Promise((resolve) => {
      const body = () => frame.contentDocument && frame.contentDocument.getElementById('preview-body');
      if (body()) {
        resolve(frame.contentDocument);
        return;
      }
      frame.addEventListener('load', function loaded() {
        if (body()) {
          frame.removeEventListener('load', loaded);
          resolve(frame.contentDocument);
        }
      });
    });
  }

  // A preview writes into its frame, and sizes the frame to the text (up to
  // a screenful; longer text scrolls inside it).
  function showInFrame(frame, message, failed) {
    const ready = frameReady(frame);
    return async (html) => {
      if (html === null) {
        message.textContent = failed;
        return;
      }
      message.textContent = '';
      const doc = await ready;
      doc.getElementById('preview-body').innerHTML = html;
      const content = doc.querySelector('main');
      const height = Math.min(Math.max(content.offsetHeight, 160), 576);
      frame.style.height = `${height}px`;
    };
  }

  // A preview box holding its frame: answers { box, show }.
  function framedPreview(label, frameTitle, frameUrl, failed) {
    const box = previewBox(label);
    box.classList.add('athena-preview--framed');
    const frame = document.createElement('iframe');
    frame.className = 'athena-preview-frame';
    frame.title = frameTitle;
    // A module page holds many editors: each frame loads once it comes into view.
    frame.loading = 'lazy';
    frame.src = frameUrl;
    const message = document.createElement('p');
    message.className = 'athena-preview-message';
    message.setAttribute('role', 'status');
    box.append(frame, message);
    return { box, show: showInFrame(frame, message, failed) };
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
    label.textContent = words(textarea, 'textLabel', 'Preview, as learners will see it');
    const column = document.createElement('div');
    column.className = 'athena-preview-column';
    const { box, show } = framedPreview(
      words(textarea, 'textBox', 'Lesson preview'),
      words(textarea, 'textFrame', 'Lesson preview, as learners will see it'),
      textarea.dataset.previewFrameUrl,
      words(textarea, 'textFailed', 'The preview could not be refreshed. Your text is not affected.'),
    );
    column.append(label, box);
    editor.appendChild(column);
    const schedule = livePreview(box, textarea.dataset.previewUrl, () => [
      ['markdown', textarea.value],
      ['fragment', '1'],
    ], show);
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
    // After the options (each with its right-answer radio), before the explanation.
    const explanation = field('explanation');
    const row = (explanation || question).closest('.form-row');
    const section = document.createElement('div');
    section.className = 'form-row athena-quiz-preview-row';
    const label = document.createElement('p');
    label.className = 'athena-preview-label';
    label.textContent = words(
      question, 'textLabel', 'Preview, as learners will see it (the answer is not shown)');
    const { box, show } = framedPreview(
      words(question, 'textBox', 'Quiz preview'),
      words(question, 'textFrame', 'Quiz preview, as learners will see it'),
      question.dataset.quizPreviewFrameUrl,
      words(question, 'textFailed', 'The preview could not be refreshed. Your text is not affected.'),
    );
    section.append(label, box);
    row.parentNode.insertBefore(section, explanation ? row : row.nextSibling);
    const schedule = livePreview(box, question.dataset.quizPreviewUrl, () =>
      names.filter((name) => field(name)).map((name) => [name, field(name).value]), show);
    names.forEach((name) => {
      if (field(name)) {
        field(name).addEventListener('input', schedule);
      }
    });
    form.addEventListener('athena:options-changed', schedule);
  }

  function setUp(root) {
    root.querySelectorAll('textarea.athena-markdown[data-preview-url][data-preview-frame-url]')
      .forEach(setUpLesson);
    root.querySelectorAll('textarea[data-quiz-preview-url][data-quiz-preview-frame-url]')
      .forEach(setUpQuiz);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => setUp(document));
  } else {
    setUp(document);
  }
  // A new inline form from "Add another lesson/quiz".
  document.addEventListener('formset:added', (event) => setUp(event.target));
})();
