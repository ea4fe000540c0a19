// The style sheet of the <parapet-notice> element, in its closed shadow
// root. content.js (downloads and uploads) and actions.js (clipboard,
// print, step-up and access prompts) both build notices with it; this file
// runs before them in the same content-script world.
globalThis.PARAPET_NOTICE_STYLE = `
  :host {
    all: initial !important;
    display: block !important;
    position: fixed !important;
    top: 16px !important;
    right: 16px !important;
    left: auto !important;
    bottom: auto !important;
    z-index: 2147483647 !important;
    width: 380px !important;
    max-width: calc(100vw - 32px) !important;
    margin: 0 !important;
    padding: 0 !important;
    opacity: 1 !important;
    visibility: visible !important;
    transform: none !important;
    filter: none !important;
    clip-path: none !important;
    pointer-events: auto !important;
  }
  .notice {
    all: initial;
    display: block;
    box-sizing: border-box;
    padding: 16px 18px;
    border-left: 6px solid #b3261e;
    border-radius: 8px;
    background: #ffffff;
    color: #1f1f1f;
    box-shadow: 0 6px 24px rgba(0, 0, 0, 0.25);
    font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  }
  .notice.warn, .notice.access { border-left-color: #b26a00; }
  .notice.step_up { border-left-color: #0b57d0; }
  .notice.confirmed { border-left-color: #146c2e; }
  .title { all: initial; display: block; margin: 0 0 8px; font: 600 16px/1.3 system-ui, sans-serif; color: #1f1f1f; }
  .message, .reason, .event { all: initial; display: block; margin: 0 0 6px; font: inherit; color: inherit; white-space: pre-wrap; overflow-wrap: anywhere; }
  .reason, .event { font-size: 12px; color: #5f5f5f; }
  .event { font-family: ui-monospace, Menlo, Consolas, monospace; }
  .fix { all: initial; display: block; margin: 0 0 6px; font: inherit; color: inherit; font-weight: 600; white-space: pre-wrap; overflow-wrap: anywhere; }
  .link { all: initial; display: block; margin: 0 0 6px; font: inherit; color: #0b57d0; text-decoration: underline; cursor: pointer; overflow-wrap: anywhere; }
  label { all: initial; display: block; margin: 8px 0 4px; font: 600 13px/1.3 system-ui, sans-serif; color: #1f1f1f; }
  textarea {
    all: initial; display: block; box-sizing: border-box; width: 100%; min-height: 56px; padding: 6px 8px;
    border: 1px solid #8f8f8f; border-radius: 4px; background: #ffffff; color: #1f1f1f; font: 13px/1.4 system-ui, sans-serif;
    white-space: pre-wrap;
  }
  button {
    all: initial;
    display: inline-block;
    margin: 8px 8px 0 0;
    padding: 6px 14px;
    border-radius: 4px;
    background: #1f1f1f;
    color: #ffffff;
    font: 600 13px/1.2 system-ui, sans-serif;
    cursor: pointer;
  }
  button.primary { background: #0b57d0; }
  button[disabled] { background: #8f8f8f; cursor: default; }
  button:focus-visible, textarea:focus-visible { outline: 2px solid #0b57d0; outline-offset: 2px; }
`;
