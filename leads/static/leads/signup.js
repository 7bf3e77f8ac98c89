// Opens the signup form as a modal and posts it with fetch, showing the answer in place.
// Without JavaScript the same form posts normally and the thanks page answers.
"use strict";

(function () {
  const dialog = document.getElementById("signup-dialog");
  const form = dialog && dialog.querySelector("form[data-signup]");
  if (!form) return;
  const status = form.querySelector(".status");
  const submit = form.querySelector("button[type=submit]");

  document.querySelectorAll("[data-open]").forEach((button) => {
    button.addEventListener("click", () => {
      if (dialog.open) dialog.close();
      dialog.showModal();
      form.querySelector("input[name=name]").focus();
    });
  });
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());

  function showErrors(errors) {
    for (const field of ["name", "email", "previewAccess"]) {
      const messages = (errors[field] || []).map((e) => e.message).join(" ");
      const holder = document.getElementById(field + "-error");
      if (holder) holder.textContent = messages;
      form.querySelectorAll(`[name=${field}]`).forEach((input) => {
        if (messages) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      });
    }
    const first = form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
  }

  function say(text, kind, where) {
    const holder = where || status;
    holder.textContent = text;
    holder.className = "status " + kind;
  }

  // "Send it again": the answer's resend token (the same for a new and a known address).
  const resend = dialog.querySelector("form[data-resend]");
  function offerResend(token) {
    if (!resend || !token) return;
    resend.querySelector("input[name=token]").value = token;
    resend.hidden = false;
  }
  if (resend) {
    const resendStatus = resend.querySelector(".status");
    const resendButton = resend.querySelector("button[type=submit]");
    resend.addEventListener("submit", async (event) => {
      event.preventDefault();
      resendButton.disabled = true;
      say("Sending…", "", resendStatus);
      try {
        const response = await fetch(resend.action, {
          method: "POST",
          body: new URLSearchParams(new FormData(resend)),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        const body = await response.json().catch(() => ({}));
        if (response.ok) say(body.message || "We are sending it again.", "ok", resendStatus);
        else say(body.error || "Something went wrong. Please try again.", "error", resendStatus);
      } catch (err) {
        say("We could not reach the server. Please check your connection and try again.", "error",
            resendStatus);
      } finally {
        resendButton.disabled = false;
        resendStatus.focus();
      }
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    say("Sending…", "");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        // URL-encoded, as the form posts itself without JavaScript: no file goes with it,
        // and Django parses it in a fraction of what a multipart body takes (bench/RESULTS.md).
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        showErrors({});
        form.querySelectorAll(".field, .hp").forEach((el) => (el.hidden = true));
        submit.hidden = true;
        say(body.message || "Thank you!", "ok");
        offerResend(body.resend);
        status.focus(); // the form it had focus in is gone: the answer takes it
      } else if (response.status === 400 && body.errors) {
        showErrors(body.errors);
        say("Please correct the marked fields.", "error");
      } else {
        say(body.error || "Something went wrong. Please try again.", "error");
      }
    } catch (err) {
      say("We could not reach the server. Please check your connection and try again.", "error");
    } finally {
      submit.disabled = false;
    }
  });
})();
