// The swimlane view's only script: a click (or Enter) on a step asks the extension to open
// its line or move the debug session there; the debug button asks for a replay session.
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  document.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement | null} */ (event.target instanceof Element ? event.target.closest('[data-step], [data-debug], [data-copy]') : null);
    if (!target) return;
    if (target.dataset.copy !== undefined) {
      vscode.postMessage({ type: 'copy', counterexample: Number(target.dataset.copy) });
    } else if (target.dataset.debug !== undefined) {
      vscode.postMessage({ type: 'debug', counterexample: Number(target.dataset.debug) });
    } else {
      vscode.postMessage({ type: 'step', counterexample: Number(target.dataset.counterexample), step: Number(target.dataset.step) });
    }
  });
  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message?.type !== 'current') return;
    for (const el of document.querySelectorAll('button.step.current')) {
      el.classList.remove('current');
      el.removeAttribute('aria-current');
    }
    const el = document.querySelector(`button.step[data-counterexample="${Number(message.counterexample)}"][data-step="${Number(message.step)}"]`);
    if (el) {
      el.classList.add('current');
      el.setAttribute('aria-current', 'step');
      el.scrollIntoView({ block: 'nearest' });
    }
  });
})();
