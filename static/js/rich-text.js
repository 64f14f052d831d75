/* A small formatted-text editor for a <textarea data-rich-text="p,br,strong,em,ul,ol,li">.

   The textarea stays in the form (hidden) and keeps the HTML the server accepts: on every
   change the editor's content is reduced to the allowed tags (b → strong, i → em, div → p,
   everything else unwrapped, no attributes) and written back, with an "input" event so
   live counters and the approve buttons follow. The server sanitises the same way again.
   Without JavaScript the textarea shows the HTML as before. */
(function () {
  "use strict";

  var RENAME = { B: "STRONG", I: "EM", DIV: "P", H1: "P", H2: "P", H3: "P", H4: "P", H5: "P", H6: "P" };
  var BLOCKS = { P: true, UL: true, OL: true };
  var BUTTONS = [
    { tag: "strong", command: "bold", label: "Bold", text: "B", key: "b" },
    { tag: "em", command: "italic", label: "Italic", text: "I", key: "i" },
    { tag: "ul", command: "insertUnorderedList", label: "Bulleted list", text: "• List" },
    { tag: "ol", command: "insertOrderedList", label: "Numbered list", text: "1. List" },
  ];

  /* The allowed subset of `source`'s children, appended to `target` (a node of a detached document). */
  function copyAllowed(source, target, allowed, doc) {
    Array.prototype.forEach.call(source.childNodes, function (node) {
      if (node.nodeType === 3) {
        target.appendChild(doc.createTextNode(node.nodeValue));
        return;
      }
      if (node.nodeType !== 1) return;
      var name = RENAME[node.tagName] || node.tagName;
      if (name === "SCRIPT" || name === "STYLE" || name === "TEMPLATE") return;
      if (name === "LI" && !/^(UL|OL)$/.test(target.tagName)) name = "P";
      if (allowed[name.toLowerCase()]) {
        var copy = doc.createElement(name.toLowerCase());
        target.appendChild(copy);
        if (name !== "BR") copyAllowed(node, copy, allowed, doc);
      } else {
        copyAllowed(node, target, allowed, doc);
      }
    });
  }

  /* Loose text and inline tags at the top level go into paragraphs; empty blocks are dropped. */
  function intoBlocks(root, doc) {
    var loose = null;
    Array.prototype.slice.call(root.childNodes).forEach(function (node) {
      if (node.nodeType === 1 && BLOCKS[node.tagName]) {
        loose = null;
        return;
      }
      if (node.nodeType === 1 && node.tagName === "BR") {
        root.removeChild(node);
        loose = null;
        return;
      }
      if (!loose) {
        loose = doc.createElement("p");
        root.insertBefore(loose, node);
      }
      loose.appendChild(node);
    });
    Array.prototype.slice.call(root.querySelectorAll("p, li, ul, ol")).reverse().forEach(function (block) {
      var empty = !block.textContent.trim() && !block.querySelector("li");
      if (empty) block.parentNode.removeChild(block);
    });
    Array.prototype.forEach.call(root.querySelectorAll("p, li"), function (block) {
      while (block.lastChild && block.lastChild.nodeType === 1 && block.lastChild.tagName === "BR") {
        block.removeChild(block.lastChild);
      }
    });
  }

  function clean(html, allowed) {
    var doc = document.implementation.createHTMLDocument("");
    var source = doc.createElement("template");
    source.innerHTML = html;
    var out = doc.createElement("div");
    copyAllowed(source.content, out, allowed, doc);
    intoBlocks(out, doc);
    return out.innerHTML.replace(/\u00a0/g, " ").trim();
  }

  function enhance(textarea) {
    if (textarea.hasAttribute("data-rich-text-ready")) return;
    textarea.setAttribute("data-rich-text-ready", "");
    var allowed = {};
    textarea.getAttribute("data-rich-text").split(",").forEach(function (tag) { allowed[tag.trim()] = true; });

    var wrapper = document.createElement("div");
    wrapper.className = "rich-text";
    var toolbar = document.createElement("div");
    toolbar.className = "rich-text-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Formatting");
    var editor = document.createElement("div");
    editor.className = "rich-text-area";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.id = textarea.id + "_editor";
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      label.setAttribute("for", editor.id);
      editor.setAttribute("aria-labelledby", label.id || (label.id = textarea.id + "_label"));
      label.addEventListener("click", function () { editor.focus(); });
    }
    var help = textarea.getAttribute("aria-describedby");
    if (help) editor.setAttribute("aria-describedby", help);
    var original = textarea.value;
    var shown = clean(original, allowed);
    editor.innerHTML = shown;

    function sync() {
      var html = clean(editor.innerHTML, allowed);
      if (html === shown) html = original;  // looked at, not changed: not an edit
      if (html === textarea.value) return;
      textarea.value = html;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }

    BUTTONS.forEach(function (spec) {
      if (!allowed[spec.tag]) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rich-text-button rich-text-button--" + spec.tag;
      button.textContent = spec.text;
      button.setAttribute("aria-label", spec.label);
      button.title = spec.label + (spec.key ? " (Ctrl+" + spec.key.toUpperCase() + ")" : "");
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep the selection
      button.addEventListener("click", function () {
        editor.focus();
        document.execCommand(spec.command, false, null);
        sync();
      });
      toolbar.appendChild(button);
    });

    editor.addEventListener("focus", function () {
      try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (error) { /* older engines */ }
    });
    editor.addEventListener("input", sync);
    editor.addEventListener("blur", function () {
      var html = clean(editor.innerHTML, allowed);
      if (editor.innerHTML !== html) editor.innerHTML = html;
      sync();
    });
    // Pasted text arrives plain: formatting from another page would only be stripped or surprise.
    editor.addEventListener("paste", function (event) {
      var text = event.clipboardData && event.clipboardData.getData("text/plain");
      if (text === undefined || text === null) return;
      event.preventDefault();
      document.execCommand("insertText", false, text);
    });
    editor.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      BUTTONS.forEach(function (spec) {
        if (spec.key && event.key.toLowerCase() === spec.key && allowed[spec.tag]) {
          event.preventDefault();
          document.execCommand(spec.command, false, null);
          sync();
        }
      });
    });
    textarea.form && textarea.form.addEventListener("submit", sync, true);

    textarea.hidden = true;
    textarea.parentNode.insertBefore(wrapper, textarea);
    wrapper.appendChild(toolbar);
    wrapper.appendChild(editor);
    wrapper.appendChild(textarea);
  }

  window.AtelierRichText = {
    clean: clean,
    enhance: function (root) {
      (root || document).querySelectorAll("textarea[data-rich-text]").forEach(enhance);
    },
  };
  document.addEventListener("DOMContentLoaded", function () { window.AtelierRichText.enhance(document); });
  // review.js announces content it loaded without a reload.
  document.addEventListener("atelier:content", function (event) { window.AtelierRichText.enhance(event.detail.root); });
})();
