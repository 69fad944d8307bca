// Niceties only; every page works without this file.
// "/" moves the focus to the search box unless the reader is already typing somewhere.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  var box = document.getElementById("q");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});

// Suggestions as the reader types (the ARIA 1.2 combobox pattern with a listbox popup): ↑/↓ move
// through them, Enter takes the highlighted one and searches, Esc closes the list (a second Esc
// clears the box), a click takes one. Kana typed before the IME converts it is looked up too
// (the server matches readings). Without this script the box is a plain search field.
(function () {
  var box = document.getElementById("q");
  if (!box || !window.fetch) return;
  var form = box.form;
  var list = document.createElement("ul");
  list.id = "q-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "検索候補");
  list.hidden = true;
  box.parentNode.appendChild(list);
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", list.id);
  box.setAttribute("aria-expanded", "false");
  var items = [], active = -1, timer = 0, asked = "", controller = null;

  function close() {
    list.hidden = true;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function highlight(i) {
    if (active >= 0) items[active].setAttribute("aria-selected", "false");
    active = i;
    if (i < 0) { box.removeAttribute("aria-activedescendant"); return; }
    items[i].setAttribute("aria-selected", "true");
    box.setAttribute("aria-activedescendant", items[i].id);
    items[i].scrollIntoView({block: "nearest"});
  }
  function choose(i) {
    box.value = items[i].getAttribute("data-value");
    close();
    form.submit();
  }
  function show(suggestions) {
    list.textContent = "";
    items = [];
    active = -1;
    suggestions.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "q-suggestion-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-value", s.text);
      var word = document.createElement("span");
      word.className = "word";
      word.textContent = s.text;
      var count = document.createElement("span");
      count.className = "count";
      count.textContent = s.count + "件";
      li.appendChild(word);
      li.appendChild(count);
      // mousedown, not click: the box keeps the focus, so blur does not close the list first
      li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
      list.appendChild(li);
      items.push(li);
    });
    if (items.length) {
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
    } else {
      close();
    }
  }
  function lookUp() {
    var q = box.value.trim();
    if (q === asked) return;
    asked = q;
    if (controller) controller.abort();
    if (!q) { close(); return; }
    controller = new AbortController();
    fetch("/api/suggest?limit=8&q=" + encodeURIComponent(q), {signal: controller.signal})
      .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
      .then(function (data) { if (box.value.trim() === q) show(data.suggestions || []); })
      .catch(function () {});
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 120);
  });
  box.addEventListener("keydown", function (event) {
    if (event.isComposing || event.keyCode === 229) return;  // the IME's own keys
    var open = !list.hidden && items.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) { asked = ""; lookUp(); return; }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = active + step;
      highlight(next < -1 ? items.length - 1 : next >= items.length ? -1 : next);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); close(); } else if (box.value) { event.preventDefault(); box.value = ""; asked = ""; }
    }
  });
  box.addEventListener("blur", close);
})();
