'use strict';
/*
 * The quiz editor's options as rows to add and remove, not six fixed boxes: a
 * quiz shows its filled options (at least two), "Add option" shows the next
 * row, and "Remove" takes a row out, moving the later options up and keeping
 * the right answer on the same option. Each row carries its own "Right answer"
 * radio button (courses.forms.OptionInput), so hiding a row hides its radio.
 * Without JavaScript all six boxes are shown; the server checks the options
 * and the answer either way (QuizAdminForm). A same-origin static file (CSP).
 */
(function () {
  const MIN_OPTIONS = 2;

  function setUp(first) {
    if (first.dataset.optionsReady || first.name.includes('__prefix__')) {
      return;
    }
    first.dataset.optionsReady = 'true';
    const form = first.form;
    const prefix = first.name.slice(0, -'option_1'.length);
    const inputs = [];
    for (let number = 1; form.elements.namedItem(`${prefix}option_${number}`); number += 1) {
      inputs.push(form.elements.namedItem(`${prefix}option_${number}`));
    }
    const rows = inputs.map((input) => input.closest('.form-row'));
    const radios = () => Array.from(form.querySelectorAll(`input[type="radio"][name="${prefix}correct_option"]`));

    // Shown: every filled option or option with an error, and at least two.
    let shown = MIN_OPTIONS;
    inputs.forEach((input, index) => {
      if (input.value.trim() || rows[index].classList.contains('errors')) {
        shown = Math.max(shown, index + 1);
      }
    });

    const tools = document.createElement('div');
    tools.className = 'form-row athena-option-tools';
    const add = document.createElement('button');
    add.type = 'button';
    add.className = 'button';
    // The words, in the editor's language, from the first option's
    // data-text-* attributes (courses.forms.QuizAdminForm); English without them.
    add.textContent = first.dataset.textAdd || 'Add option';
    tools.appendChild(add);
    rows[rows.length - 1].after(tools);

    const removers = inputs.map((input, index) => {
      if (index < MIN_OPTIONS) {
        return null;
      }
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'button athena-option-remove';
      remove.textContent = first.dataset.textRemove || 'Remove';
      remove.setAttribute('aria-label',
        (first.dataset.textRemoveOption || 'Remove option {number}').replace('{number}', String(index + 1)));
      remove.addEventListener('click', () => removeOption(index));
      // After the option's "Right answer" radio, if it has one.
      const answer = input.parentNode.querySelector('.athena-answer');
      (answer || input).after(remove);
      return remove;
    });

    function changed() {
      form.dispatchEvent(new CustomEvent('athena:options-changed'));
    }

    function render() {
      rows.forEach((row, index) => { row.hidden = index >= shown; });
      removers.forEach((remove) => {
        if (remove) {
          remove.hidden = false;
        }
      });
      // The last shown row holds the tools, so "Add option" sits under it.
      rows[shown - 1].after(tools);
      add.hidden = shown >= inputs.length;
    }

    function addOption() {
      shown += 1;
      render();
      inputs[shown - 1].focus();
    }

    function removeOption(index) {
      for (let later = index; later < shown - 1; later += 1) {
        inputs[later].value = inputs[later + 1].value;
      }
      inputs[shown - 1].value = '';
      const removed = index + 1;
      const checked = radios().find((radio) => radio.checked);
      if (checked) {
        const answer = Number(checked.value);
        if (answer === removed) {
          checked.checked = false;
        } else if (answer > removed) {
          radios().find((radio) => radio.value === String(answer - 1)).checked = true;
        }
      }
      shown -= 1;
      render();
      inputs[Math.min(index, shown - 1)].focus();
      changed();
    }

    add.addEventListener('click', addOption);
    render();
  }

  function start(root) {
    root.querySelectorAll('input[data-option="1"]').forEach(setUp);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => start(document));
  } else {
    start(document);
  }
  document.addEventListener('formset:added', (event) => start(event.target));
})();
