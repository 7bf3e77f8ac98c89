// The Copy button beside a new API token: copies the token and says so.
"use strict";

document.querySelectorAll("button[data-copy]").forEach((button) => {
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copy-status");
  if (!source || !navigator.clipboard) return; // the token stays selectable by hand
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      status.textContent = "Copied.";
    } catch (err) {
      window.getSelection().selectAllChildren(source);
      status.textContent = "Could not copy: the token is selected, press Ctrl+C.";
    }
  });
});
