// Renders the math that pymdownx.arithmatex marks (class "arithmatex": \( \) inline, \[ \]
// display) with the KaTeX bundled in docs/assets/katex, so the site needs no network.
(function () {
  function render(root) {
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      renderMathInElement(el, {
        delimiters: [
          {left: "\\(", right: "\\)", display: false},
          {left: "\\[", right: "\\]", display: true}
        ],
        throwOnError: false
      });
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { render(document); });   // Material's instant loading
  } else {
    document.addEventListener("DOMContentLoaded", function () { render(document); });
  }
})();
