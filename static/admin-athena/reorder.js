'use strict';
/*
 * Drag-and-drop reordering of the admin's order tables (modules of a course,
 * lessons and quizzes of a module). A same-origin static file, as the CSP asks.
 *
 * Each row gets a handle: drag it with the mouse (or a finger), or focus it and
 * press Space to pick the row up, the arrow keys to move it and Space to drop it
 * (Escape puts it back); Alt+Up/Down move it at once. Every drop saves the whole
 * new order in one POST to the table's data-reorder-url; if the server refuses,
 * the last saved order comes back. Without JavaScript the up/down buttons work.
 */
(function () {
  function csrfToken() {
    const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : '';
  }

  function setUp(table) {
    const tbody = table.tBodies[0];
    const status = document.getElementById(table.dataset.status);
    const rows = () => Array.from(tbody.querySelectorAll('tr[data-key]'));
    if (rows().length < 2) {
      return;
    }
    const section = table.closest('section') || document;
    table.querySelectorAll('[hidden]').forEach((cell) => { cell.hidden = false; });
    section.querySelectorAll('.athena-js-help').forEach((help) => { help.hidden = false; });
    section.querySelectorAll('.athena-nojs-help').forEach((help) => { help.hidden = true; });

    let saved = rows().map((row) => row.dataset.key);
    let grabbed = null;
    let grabbedFrom = null;

    function announce(text) {
      status.textContent = text;
    }

    // What is announced, in the editor's language: the table's data-text-*
    // attributes (admin/courses/_order_table.html) with {placeholders}.
    const TEXTS = {
      position: 'position {number} of {count}',
      pickedUp: '{title} picked up, {position}. Use the arrow keys to move it, Space to drop it, Escape to cancel.',
      putBack: '{title} put back, {position}.',
      dropped: '{title} dropped, {position}. Saving…',
      movedSaving: '{title} moved to {position}. Saving…',
      moved: '{title} moved to {position}.',
      failed: 'The new order could not be saved.',
      restored: '{error} The previous order is back.',
    };
    function words(name, values) {
      const key = `text${name[0].toUpperCase()}${name.slice(1)}`;
      return Object.entries(values || {}).reduce(
        (text, [placeholder, value]) => text.split(`{${placeholder}}`).join(value),
        table.dataset[key] || TEXTS[name]);
    }

    function position(row) {
      return words('position', { number: String(rows().indexOf(row) + 1), count: String(rows().length) });
    }

    function renumber() {
      const all = rows();
      all.forEach((row, index) => {
        row.querySelector('.athena-order-number').textContent = String(index + 1);
        row.querySelectorAll('.athena-move').forEach((button) => {
          const up = button.value.endsWith(':-1');
          button.disabled = up ? index === 0 : index === all.length - 1;
        });
      });
    }

    function arrange(keys) {
      const byKey = new Map(rows().map((row) => [row.dataset.key, row]));
      keys.forEach((key) => {
        if (byKey.has(key)) {
          tbody.appendChild(byKey.get(key));
        }
      });
      renumber();
    }

    // Move the rows around `row` rather than `row` itself, so a focused handle
    // keeps its focus.
    function step(row, direction) {
      if (direction < 0 && row.previousElementSibling) {
        tbody.insertBefore(row.previousElementSibling, row.nextElementSibling);
      } else if (direction > 0 && row.nextElementSibling) {
        tbody.insertBefore(row.nextElementSibling, row);
      }
      renumber();
    }

    async function save() {
      const order = rows().map((row) => row.dataset.key);
      if (order.join() === saved.join()) {
        return;
      }
      const body = new URLSearchParams();
      order.forEach((key) => body.append('order', key));
      table.setAttribute('aria-busy', 'true');
      try {
        const response = await fetch(table.dataset.reorderUrl, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'X-CSRFToken': csrfToken(), 'X-Requested-With': 'XMLHttpRequest' },
          body,
        });
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) {
          throw new Error(answer.error || words('failed'));
        }
        saved = answer.order;
        announce(answer.message);
      } catch (error) {
        arrange(saved);
        announce(words('restored', { error: error.message }));
      } finally {
        table.removeAttribute('aria-busy');
      }
    }

    function pickUp(row) {
      grabbed = row;
      grabbedFrom = rows().map((other) => other.dataset.key);
      row.classList.add('athena-dragging');
      row.querySelector('.athena-handle').setAttribute('aria-pressed', 'true');
      announce(words('pickedUp', { title: row.dataset.title, position: position(row) }));
    }

    function drop(cancel) {
      const row = grabbed;
      grabbed = null;
      row.classList.remove('athena-dragging');
      row.querySelector('.athena-handle').setAttribute('aria-pressed', 'false');
      if (cancel) {
        arrange(grabbedFrom);
        announce(words('putBack', { title: row.dataset.title, position: position(row) }));
        return;
      }
      announce(words('dropped', { title: row.dataset.title, position: position(row) }));
      save();
    }

    function onKeyDown(event) {
      const row = event.currentTarget.closest('tr');
      const arrow = { ArrowUp: -1, ArrowDown: 1 }[event.key];
      if (arrow && event.altKey && grabbed === null) {
        event.preventDefault();
        step(row, arrow);
        announce(words('movedSaving', { title: row.dataset.title, position: position(row) }));
        save();
      } else if (event.key === ' ' || event.key === 'Enter') {
        event.preventDefault();
        if (grabbed === row) {
          drop(false);
        } else if (grabbed === null) {
          pickUp(row);
        }
      } else if (arrow && grabbed === row) {
        event.preventDefault();
        step(row, arrow);
        announce(words('moved', { title: row.dataset.title, position: position(row) }));
      } else if (event.key === 'Escape' && grabbed === row) {
        event.preventDefault();
        drop(true);
      }
    }

    function onBlur(event) {
      if (grabbed === event.currentTarget.closest('tr')) {
        drop(false);
      }
    }

    // Pointer dragging: the row follows the pointer, passing each neighbour
    // once the pointer is past that neighbour's middle (the neighbours move, so
    // the dragged row keeps its place in the DOM and its handle its focus).
    function onPointerDown(event) {
      if (event.button !== 0 || grabbed !== null) {
        return;
      }
      event.preventDefault();
      const handle = event.currentTarget;
      const row = handle.closest('tr');
      const before = rows().map((other) => other.dataset.key);
      const middle = (other) => {
        const box = other.getBoundingClientRect();
        return box.top + box.height / 2;
      };
      handle.focus();
      row.classList.add('athena-dragging');

      function onMove(moveEvent) {
        const y = moveEvent.clientY;
        let previous = row.previousElementSibling;
        while (previous && y < middle(previous)) {
          tbody.insertBefore(previous, row.nextElementSibling);
          previous = row.previousElementSibling;
        }
        let next = row.nextElementSibling;
        while (next && y > middle(next)) {
          tbody.insertBefore(next, row);
          next = row.nextElementSibling;
        }
        renumber();
      }

      function onEnd(endEvent) {
        document.removeEventListener('pointermove', onMove);
        document.removeEventListener('pointerup', onEnd);
        document.removeEventListener('pointercancel', onEnd);
        row.classList.remove('athena-dragging');
        if (endEvent.type === 'pointercancel') {
          arrange(before);
          return;
        }
        if (rows().map((other) => other.dataset.key).join() !== before.join()) {
          announce(words('dropped', { title: row.dataset.title, position: position(row) }));
          save();
        }
      }

      // On the document, not the handle: the pointer leaves the handle as
      // soon as it moves, and the rows around it are moved under it.
      document.addEventListener('pointermove', onMove);
      document.addEventListener('pointerup', onEnd);
      document.addEventListener('pointercancel', onEnd);
    }

    rows().forEach((row) => {
      const handle = row.querySelector('.athena-handle');
      handle.addEventListener('keydown', onKeyDown);
      handle.addEventListener('blur', onBlur);
      handle.addEventListener('pointerdown', onPointerDown);
    });
  }

  function start() {
    document.querySelectorAll('table.athena-order-table[data-reorder-url]').forEach(setUp);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
