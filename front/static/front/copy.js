// The Copy button beside the referral link: copies it and says so. Without JavaScript (or a
// clipboard) the button stays hidden and the read-only field is selected by hand.
"use strict";

document.querySelectorAll("input[data-select-on-focus]").forEach((input) => {
  input.addEventListener("focus", () => input.select());
});

document.querySelectorAll("button[data-copy]").forEach((button) => {
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copy-status");
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      status.textContent = "Copied.";
    } catch (err) {
      source.select();
      status.textContent = "Could not copy: the link is selected, press Ctrl+C.";
    }
  });
});
