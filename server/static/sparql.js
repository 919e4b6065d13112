// Attest query page: editor with line numbers, example questions, results table, downloads.
// Plain JavaScript, no dependencies: the page works offline.
(function () {
  "use strict";
  const query = document.getElementById("query");
  const lines = document.getElementById("lines");
  const run = document.getElementById("run");
  const union = document.getElementById("union");
  const status = document.getElementById("status");
  const downloads = document.getElementById("downloads");
  const errorBox = document.getElementById("error");
  const results = document.getElementById("results");
  const picker = document.getElementById("example");
  const examples = JSON.parse(document.getElementById("examples").textContent);

  function renumber() {
    const count = query.value.split("\n").length;
    lines.textContent = Array.from({ length: count }, (_, i) => i + 1).join("\n");
    lines.scrollTop = query.scrollTop;
  }

  function kindOf(text) {
    const body = text.replace(/#[^\n]*/g, "").replace(/(PREFIX|BASE)\s+\S*\s*<[^>]*>/gi, "");
    const match = body.match(/\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i);
    return match ? match[1].toUpperCase() : "SELECT";
  }

  function url(format) {
    const params = new URLSearchParams({ query: query.value });
    if (union.checked) params.set("union-default-graph", "true");
    if (format) params.set("format", format);
    return "/sparql?" + params.toString();
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const local = term.value.match(/^https:\/\/w3id\.org\/attest\/((?:entity|document|assertion|graph)\/.*)$/);
      if (!local && !/^https?:\/\//i.test(term.value)) {
        // Only http(s) IRIs become links: a javascript: or data: IRI stays text.
        td.textContent = term.value;
        return td;
      }
      const a = document.createElement("a");
      a.href = local ? "/" + local[1] : term.value;
      a.textContent = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
      else if (term.datatype) td.title = term.datatype;
    }
    return td;
  }

  function showTable(data) {
    const table = document.createElement("table");
    table.className = "list results";
    const head = table.createTHead().insertRow();
    for (const name of data.head.vars) {
      const th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const row of data.results.bindings) {
      const tr = body.insertRow();
      for (const name of data.head.vars) tr.appendChild(cell(row[name]));
    }
    results.replaceChildren(table);
    const rows = data.results.bindings.length;
    status.textContent = rows + " row" + (rows === 1 ? "" : "s") + (data.attest && data.attest.truncated ? " (cut: " + data.attest.message + ")" : "");
  }

  function showDownloads(kind) {
    const names = kind === "SELECT" || kind === "ASK"
      ? [["json", "JSON"], ["csv", "CSV"], ["tsv", "TSV"], ["xml", "XML"]]
      : [["turtle", "Turtle"], ["ntriples", "N-Triples"], ["jsonld", "JSON-LD"], ["rdfxml", "RDF/XML"]];
    downloads.replaceChildren(document.createTextNode("Download: "));
    for (const [format, label] of names) {
      const a = document.createElement("a");
      a.href = url(format);
      a.textContent = label;
      a.download = "attest-results." + format;
      downloads.append(a, document.createTextNode(" "));
    }
  }

  async function execute() {
    errorBox.hidden = true;
    results.replaceChildren();
    downloads.replaceChildren();
    status.textContent = "running…";
    const kind = kindOf(query.value);
    const accept = kind === "SELECT" || kind === "ASK" ? "application/sparql-results+json" : "text/turtle";
    const body = new URLSearchParams({ query: query.value });
    if (union.checked) body.set("union-default-graph", "true");
    let response;
    try {
      response = await fetch("/sparql", { method: "POST", headers: { Accept: accept }, body });
    } catch (e) {
      status.textContent = "";
      errorBox.textContent = "The server did not answer: " + e;
      errorBox.hidden = false;
      return;
    }
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try { const problem = await response.json(); message = problem.error; if (problem.errors && problem.errors[0] && problem.errors[0].line) message += " (line " + problem.errors[0].line + ", column " + problem.errors[0].column + ")"; } catch (e) { /* not JSON */ }
      status.textContent = "";
      errorBox.textContent = message;
      errorBox.hidden = false;
      return;
    }
    showDownloads(kind);
    if (accept === "text/turtle") {
      const pre = document.createElement("pre");
      pre.className = "rdf";
      pre.textContent = await response.text();
      results.replaceChildren(pre);
      status.textContent = response.headers.get("X-Attest-Truncated") ? "answer cut at the result limit" : "";
      return;
    }
    const data = await response.json();
    if (typeof data.boolean === "boolean") {
      results.textContent = data.boolean ? "yes" : "no";
      status.textContent = "";
      return;
    }
    showTable(data);
  }

  picker.addEventListener("change", () => {
    const chosen = examples.find((e) => e.name === picker.value);
    if (chosen) { query.value = chosen.query; renumber(); }
  });
  query.addEventListener("input", renumber);
  query.addEventListener("scroll", () => { lines.scrollTop = query.scrollTop; });
  query.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); execute(); }
    if (event.key === "Tab") { event.preventDefault(); query.setRangeText("  ", query.selectionStart, query.selectionEnd, "end"); renumber(); }
  });
  run.addEventListener("click", execute);
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("example");
  if (fromHash) { picker.value = fromHash; picker.dispatchEvent(new Event("change")); }
  renumber();
})();
