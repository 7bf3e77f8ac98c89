// A click on the backdrop of a modal <dialog> (outside its box) closes it, as Escape does.
// Separate from signup.js, which owns what the signup form does.
"use strict";

document.querySelectorAll("dialog").forEach((dialog) => {
  dialog.addEventListener("click", (event) => {
    if (event.target !== dialog || !dialog.matches(":modal")) return;
    const box = dialog.getBoundingClientRect();
    const inside =
      event.clientX >= box.left && event.clientX <= box.right &&
      event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) dialog.close();
  });
});
