// A few behaviours on top of pages that work without them: the recipient filter, upload progress
// for the compose form, confirmation before a recall, the print button, and the usual orders'
// one-tap chips (the phrase fills the order; its "…" becomes the units or people ticked). No inline script anywhere
// (the content security policy forbids it).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const filter = document.getElementById("office-filter");
  if (filter) {
    filter.addEventListener("input", () => {
      const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      document.querySelectorAll("ul.offices li").forEach((li) => {
        const text = li.dataset.search || "";
        li.hidden = !words.every((w) => text.includes(w));
      });
    });
    // The chosen offices stay in view while the filter hides others.
    const chosen = document.getElementById("chosen");
    const showChosen = () => {
      const codes = [...document.querySelectorAll("input[name=recipients]:checked")].map((box) => box.value);
      chosen.textContent = codes.length ? `${chosen.dataset.label}: ${codes.join(", ")}` : "";
    };
    document.querySelectorAll("input[name=recipients]").forEach((box) => box.addEventListener("change", showChosen));
    showChosen();
    // A directory too large to list: the offices the typed text finds are asked of the server
    // and added to the list, to be ticked like the others.
    const lookup = filter.dataset.lookup;
    const list = document.querySelector("ul.offices");
    let asked = 0;
    if (lookup && list && window.fetch) {
      filter.addEventListener("input", () => {
        const text = filter.value.trim();
        const ask = ++asked;
        if (text.length < 2) return;
        setTimeout(async () => {
          if (ask !== asked) return;
          try {
            const res = await fetch(`${lookup}?q=${encodeURIComponent(text)}`, { credentials: "same-origin" });
            if (!res.ok || ask !== asked) return;
            const listed = new Set([...list.querySelectorAll("input[name=recipients]")].map((box) => box.value));
            for (const office of await res.json()) {
              if (listed.has(office.code)) continue;
              const li = document.createElement("li");
              li.dataset.search = `${office.code.toLowerCase()} ${office.name_th} ${office.name_en.toLowerCase()}`;
              const label = document.createElement("label");
              const box = document.createElement("input");
              box.type = "checkbox";
              box.name = "recipients";
              box.value = office.code;
              box.addEventListener("change", showChosen);
              const code = document.createElement("span");
              code.className = "nowrap";
              code.textContent = office.code;
              const lang = document.documentElement.lang === "en" ? "en" : "th";
              label.append(box, code, ` ${lang === "en" ? office.name_en : office.name_th}`);
              li.append(label);
              list.append(li);
            }
          } catch (_) {
            // Typing the codes into the field below still works.
          }
        }, 250);
      });
    }
    // Enter in the filter must not send the letter.
    filter.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  }

  const compose = document.getElementById("compose-form");
  if (compose && window.XMLHttpRequest && window.FormData) {
    compose.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = document.getElementById("send");
      const box = document.getElementById("upload-progress");
      const bar = document.getElementById("upload-bar");
      const percent = document.getElementById("upload-percent");
      const errors = document.getElementById("compose-errors");
      button.disabled = true;
      box.hidden = false;
      const xhr = new XMLHttpRequest();
      xhr.open("POST", compose.action);
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) {
          const p = Math.round((e.loaded / e.total) * 100);
          bar.value = p;
          percent.textContent = p + "%";
        }
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          window.location.assign(xhr.responseURL);
          return;
        }
        // The server sent the form back with what to correct: show that, keep what was typed.
        const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        const found = page.getElementById("compose-errors") || page.getElementById("main");
        errors.innerHTML = found ? found.innerHTML : compose.dataset.failed;
        errors.hidden = false;
        const key = page.querySelector("input[name=idempotency_key]");
        if (key) compose.querySelector("input[name=idempotency_key]").value = key.value;
        page.querySelectorAll("input[name=body_kept], input[name=enclosure_kept]").forEach((kept) => {
          if (!compose.querySelector(`input[name=${kept.name}][value="${CSS.escape(kept.value)}"]`)) {
            compose.appendChild(document.importNode(kept, true));
          }
        });
        if (page.querySelector("input[name=body_kept]")) document.getElementById("body").required = false;
        button.disabled = false;
        box.hidden = true;
        errors.scrollIntoView();
        errors.focus();
      });
      xhr.addEventListener("error", () => {
        errors.textContent = compose.dataset.failed;
        errors.hidden = false;
        button.disabled = false;
        box.hidden = true;
      });
      xhr.send(new FormData(compose));
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (e) => { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  });

  document.querySelectorAll("button.chip[data-fill]").forEach((chip) => {
    const box = document.getElementById(chip.dataset.fill);
    if (!box) return;
    const form = box.form;
    const named = () => [...form.querySelectorAll("input[name=unit]:checked, input[name=person]:checked")]
      .map((c) => c.dataset.name).filter(Boolean);
    const fill = () => {
      const template = box.dataset.template || "";
      const names = named();
      box.value = template.includes("…") && names.length ? template.replace("…", names.join(" ")) : template;
      box.dataset.filled = box.value;
    };
    chip.addEventListener("click", () => {
      box.dataset.template = chip.dataset.text;
      fill();
      form.querySelectorAll("button.chip").forEach((c) => c.setAttribute("aria-pressed", String(c === chip)));
      box.focus();
    });
    if (!form.dataset.chips) {
      form.dataset.chips = "1";
      // Ticking a unit after the phrase fills it in, unless the text was changed by hand since.
      form.querySelectorAll("input[name=unit], input[name=person]").forEach((c) => c.addEventListener("change", () => {
        if (box.dataset.template && box.value === box.dataset.filled) fill();
      }));
    }
  });

  const print = document.getElementById("print-button");
  if (print) print.addEventListener("click", () => window.print());
});
