/* Project search for the bulletin site.
 *
 * The index (bulletin/search.py) is a set of small classic scripts loaded as a
 * query needs them, the same way when served and when opened from disk: the
 * manifest, the buckets of the query's words in each shard, the facets of the
 * shards holding matches, and the result lines of the units shown.
 * Queries are folded from Traditional to Simplified characters with the
 * table in search/t2s.js, as the indexed text was at build time.
 *
 * Written as ES5 on purpose: citizens use old PCs and phones.
 * Nothing from the index is inserted as HTML: text goes in as text, and
 * excerpt highlights are rebuilt as <mark> elements.
 */
(function () {
  "use strict";

  var PAGE_SIZE = 20;
  var DEBOUNCE_MS = 200;
  var FILTERS = ["round", "unit", "group", "status", "category", "location", "overdue"];
  // Filters whose values come from the index searched, not from the page (see fillOptions).
  var FROM_INDEX = ["category", "location"];
  var OVERDUE = "yes";  // the overdue filter's values (search.py OVERDUE_VALUES)
  var NOT_OVERDUE = "no";

  var configNode = document.getElementById("search-config");
  if (!configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var strings = config.strings;
  var t2s = window.BULLETIN_T2S || {};
  var statusKeys = {};
  for (var key in config.statusLabels) {
    if (Object.prototype.hasOwnProperty.call(config.statusLabels, key)) {
      statusKeys[config.statusLabels[key]] = key;
    }
  }

  var form = document.getElementById("search-form");
  var input = document.getElementById("search-query");
  var statusLine = document.getElementById("search-status");
  var resultList = document.getElementById("search-results");
  var moreButton = document.getElementById("search-more");
  var selects = {};
  for (var f = 0; f < FILTERS.length; f++) {
    selects[FILTERS[f]] = document.getElementById("filter-" + FILTERS[f]);
  }

  var backend = null;
  var pending = {};  // filter values from the address, for options added once the index is loaded
  var sequence = 0;
  var current = { results: [], shown: 0 };
  var timer = null;

  /* ---------- text helpers ---------- */

  function fold(text) {
    // One character in, one out, so positions in folded text match the original.
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      var code = text.charCodeAt(i);
      // Full-width letters and digits (２０２１) as half-width, as the index folds them (search.py).
      c = code >= 0xFF01 && code <= 0xFF5E ? String.fromCharCode(code - 0xFEE0) : t2s[c] || c;
      var lower = c.toLowerCase();
      out += lower.length === 1 ? lower : c;
    }
    return out;
  }

  function terms(query) {
    var parts = fold(query).split(/\s+/);
    var out = [];
    for (var i = 0; i < parts.length; i++) {
      if (parts[i]) { out.push(parts[i]); }
    }
    return out;
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.appendChild(document.createTextNode(text)); }
    return node;
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }

  /* ---------- loading the index ---------- */

  // The index is a set of classic scripts (bulletin/search.py), each calling
  // BULLETIN_SEARCH(name, data) when it runs. A classic script loads both from a
  // server and from disk, where browsers refuse fetch(); a query loads only the
  // parts it needs, each once.
  var folder = config.index.replace(/index\.js$/, "");
  var parts = {};

  function partOf(name) {
    if (!Object.prototype.hasOwnProperty.call(parts, name)) {
      parts[name] = { state: "new", data: null, waiting: [] };
    }
    return parts[name];
  }

  function settle(part, state) {
    part.state = state;
    var waiting = part.waiting;
    part.waiting = [];
    for (var i = 0; i < waiting.length; i++) { waiting[i](); }
  }

  window.BULLETIN_SEARCH = function (name, data) {
    var part = partOf(name);
    part.data = data;
    settle(part, "loaded");
  };

  function loadParts(names, done, fail) {
    // Calls done() once every part is loaded, or fail() once, if one cannot be.
    var left = names.length;
    var over = false;
    function check() {
      if (over) { return; }
      for (var i = 0; i < names.length; i++) {
        var state = partOf(names[i]).state;
        if (state === "failed") { over = true; fail(); return; }
        if (state !== "loaded") { return; }
      }
      over = true;
      done();
    }
    for (var n = 0; n < names.length; n++) {
      (function (name) {
        var part = partOf(name);
        part.waiting.push(check);
        if (part.state !== "new") { return; }
        part.state = "loading";
        var script = document.createElement("script");
        script.src = folder + name + ".js";
        script.onload = function () { if (part.state === "loading") { settle(part, "failed"); } };
        script.onerror = function () { settle(part, "failed"); };
        document.head.appendChild(script);
      })(names[n]);
    }
    if (!left) { over = true; done(); return; }
    check();
  }

  /* ---------- querying it ---------- */

  var CJK_RUN = /[\u3400-\u9fff\uf900-\ufaff]+/g;
  var LATIN_RUN = /[0-9a-z]+/g;

  function termTokens(term) {
    // The words a typed term is looked up by, as the index was cut (index_tokens in
    // bulletin/search.py): each pair of Chinese characters exactly; a lone character, and a
    // run of Latin letters or digits, as the beginning of indexed words. A term with neither
    // (punctuation alone) is skipped.
    var tokens = [];
    var runs = term.match(CJK_RUN) || [];
    for (var r = 0; r < runs.length; r++) {
      if (runs[r].length === 1) { tokens.push({ text: runs[r], prefix: true }); }
      for (var i = 0; i + 1 < runs[r].length; i++) { tokens.push({ text: runs[r].substr(i, 2), prefix: false }); }
    }
    var latin = term.match(LATIN_RUN) || [];
    for (var l = 0; l < latin.length; l++) { tokens.push({ text: latin[l], prefix: true }); }
    return tokens;
  }

  function IndexBackend(manifest) {
    this.mode = "index";
    this.m = manifest;
    this.facets = {};  // shard folder -> unit number -> its facets, once loaded
  }

  IndexBackend.prototype.filterValues = function () {
    return { category: this.m.categories, location: this.m.locations, overdue: this.m.overdue };
  };

  IndexBackend.prototype.hasBucket = function (shard, bucket) {
    var digit = parseInt(shard[1].charAt(bucket >> 2), 16);
    return (digit >> (bucket & 3) & 1) === 1;
  };

  IndexBackend.prototype.bucketOf = function (token) {
    return token.text.charCodeAt(0) % this.m.buckets;
  };

  IndexBackend.prototype.matches = function (words, done, fail) {
    // Every project holding each token of each term, with its score: ten for a term in its
    // title, one elsewhere; by score, then in the site's order. Only the shards that have a
    // bucket for every token are read, and only those buckets.
    var self = this;
    var wanted = [];
    var tokens = [];
    var terms = 0;  // the typed terms that have words: a stray "-" or "、" between two words is skipped
    for (var w = 0; w < words.length; w++) {
      var found = termTokens(words[w]);
      for (var t = 0; t < found.length; t++) { found[t].term = terms; tokens.push(found[t]); }
      if (found.length) { terms += 1; }
    }
    if (!tokens.length) { done([]); return; }  // punctuation alone finds nothing
    var shards = [];
    for (var s = 0; s < this.m.shards.length; s++) {
      var shard = this.m.shards[s];
      var names = [];
      for (var k = 0; k < tokens.length; k++) {
        if (!this.hasBucket(shard, this.bucketOf(tokens[k]))) { names = null; break; }
        var name = shard[0] + "/b" + this.bucketOf(tokens[k]);
        if (indexOf(names, name) < 0) { names.push(name); }
      }
      if (names) {
        shards.push(shard[0]);
        wanted = wanted.concat(names);
      }
    }
    // The facets of those shards are fetched meanwhile: the counts need them once the words are found.
    var facets = [];
    for (var f = 0; f < shards.length; f++) { facets.push(shards[f] + "/facets"); }
    loadParts(facets, function () {}, function () {});
    loadParts(wanted, function () {
      var hits = [];
      for (var s = 0; s < shards.length; s++) { hits = hits.concat(self.shardMatches(shards[s], tokens, terms)); }
      hits.sort(function (a, b) { return b.score - a.score || a.unit - b.unit || a.position - b.position; });
      done(hits, shards);
    }, fail);
  };

  IndexBackend.prototype.shardMatches = function (shard, tokens, termCount) {
    // Within one shard: for each unit, the positions every token is found at, with whether
    // each term was found in the title (entries are position * 2 + in title).
    var found = null;  // unit -> position -> [title flag per term]
    for (var k = 0; k < tokens.length; k++) {
      var token = tokens[k];
      var units = partOf(shard + "/b" + this.bucketOf(token)).data;
      var here = {};
      for (var u = 0; u < units.length; u++) {
        var words = units[u][1];
        var entries = [];
        if (!token.prefix) {
          if (Object.prototype.hasOwnProperty.call(words, token.text)) { entries = words[token.text]; }
        } else {
          for (var word in words) {
            if (Object.prototype.hasOwnProperty.call(words, word) && word.indexOf(token.text) === 0) {
              entries = entries.concat(words[word]);
            }
          }
        }
        if (!entries.length) { continue; }
        var positions = here[units[u][0]] || (here[units[u][0]] = {});
        for (var e = 0; e < entries.length; e++) {
          var at = entries[e] >> 1;
          positions[at] = (positions[at] || 0) | (entries[e] & 1);
        }
      }
      found = this.intersect(found, here, token.term, termCount);
    }
    var hits = [];
    for (var unit in found) {
      if (!Object.prototype.hasOwnProperty.call(found, unit)) { continue; }
      for (var position in found[unit]) {
        if (!Object.prototype.hasOwnProperty.call(found[unit], position)) { continue; }
        var flags = found[unit][position];
        var score = 0;
        for (var f = 0; f < flags.length; f++) { score += flags[f] ? 10 : 1; }
        hits.push({ shard: shard, unit: +unit, position: +position, score: score });
      }
    }
    return hits;
  };

  IndexBackend.prototype.intersect = function (found, here, term, termCount) {
    var out = {};
    for (var unit in here) {
      if (!Object.prototype.hasOwnProperty.call(here, unit)) { continue; }
      if (found && !Object.prototype.hasOwnProperty.call(found, unit)) { continue; }
      for (var position in here[unit]) {
        if (!Object.prototype.hasOwnProperty.call(here[unit], position)) { continue; }
        var flags;
        if (found) {
          if (!Object.prototype.hasOwnProperty.call(found[unit], position)) { continue; }
          flags = found[unit][position];
          // A term is in the title when all its tokens are (a term's first token starts it at 1).
          flags[term] = flags[term] === undefined ? here[unit][position] : flags[term] & here[unit][position];
        } else {
          flags = [];
          for (var t = 0; t < termCount; t++) { flags.push(undefined); }
          flags[term] = here[unit][position];
        }
        (out[unit] || (out[unit] = {}))[position] = flags;
      }
    }
    return out;
  };

  IndexBackend.prototype.loadFacets = function (shards, done, fail) {
    var self = this;
    var names = [];
    for (var s = 0; s < shards.length; s++) { names.push(shards[s] + "/facets"); }
    loadParts(names, function () {
      for (var s = 0; s < shards.length; s++) {
        if (self.facets[shards[s]]) { continue; }
        var byUnit = {};
        var rows = partOf(shards[s] + "/facets").data;
        for (var r = 0; r < rows.length; r++) { byUnit[rows[r][0]] = rows[r]; }
        self.facets[shards[s]] = byUnit;
      }
      done();
    }, fail);
  };

  IndexBackend.prototype.valuesOf = function (hit, name) {
    // The values a project has for a filter, as its options name them (none: "").
    var m = this.m;
    var unit = this.facets[hit.shard][hit.unit];
    var p = unit[4][hit.position];  // [status, latest round, rounds, category, location, overdue]
    if (name === "round") {
      var rounds = [];
      for (var r = 0; r < p[2].length; r++) { rounds.push(m.rounds[p[2][r]]); }
      return rounds;
    }
    var value = { unit: m.units[hit.unit], group: m.groups[unit[1]], status: m.statuses[p[0]],
                  category: p[3] < 0 ? "" : unit[2][p[3]], location: p[4] < 0 ? "" : unit[3][p[4]],
                  overdue: p[5] ? OVERDUE : NOT_OVERDUE }[name];
    return value ? [value] : [];
  };

  IndexBackend.prototype.everything = function () {
    // Every project, for filters chosen without a query: the facets list them all.
    var hits = [];
    for (var s = 0; s < this.m.shards.length; s++) {
      var shard = this.m.shards[s][0];
      var byUnit = this.facets[shard];
      for (var unit in byUnit) {
        if (!Object.prototype.hasOwnProperty.call(byUnit, unit)) { continue; }
        for (var p = 0; p < byUnit[unit][4].length; p++) {
          hits.push({ shard: shard, unit: +unit, position: p, score: 0 });
        }
      }
    }
    hits.sort(function (a, b) { return a.unit - b.unit || a.position - b.position; });
    return hits;
  };

  IndexBackend.prototype.filtered = function (hits, filters) {
    // The hits passing every filter, and each option's count: what choosing it would give,
    // with the query and the OTHER filters chosen (a faceted count), so a project failing one
    // filter only still counts for that filter's options.
    var kept = [];
    var counts = {};
    for (var c = 0; c < FILTERS.length; c++) { counts[FILTERS[c]] = {}; }
    for (var i = 0; i < hits.length; i++) {
      var failed = [];
      for (var f = 0; f < FILTERS.length && failed.length < 2; f++) {
        var wanted = filters[FILTERS[f]];
        if (wanted && indexOf(this.valuesOf(hits[i], FILTERS[f]), wanted) < 0) { failed.push(FILTERS[f]); }
      }
      if (failed.length > 1) { continue; }
      if (!failed.length) { kept.push(hits[i]); }
      for (var n = 0; n < FILTERS.length; n++) {
        if (failed.length && failed[0] !== FILTERS[n]) { continue; }
        var values = this.valuesOf(hits[i], FILTERS[n]);
        for (var v = 0; v < values.length; v++) {
          counts[FILTERS[n]][values[v]] = (counts[FILTERS[n]][values[v]] || 0) + 1;
        }
      }
    }
    return { hits: kept, counts: counts };
  };

  IndexBackend.prototype.search = function (query, filters, onResults, onCounts, fail) {
    // Without a filter, the first results are shown as soon as the words are looked up, and
    // the filters' counts follow: a common word costs no more before its first results.
    var self = this;
    var words = terms(query);
    var anyFilter = false;
    for (var name in filters) {
      if (Object.prototype.hasOwnProperty.call(filters, name) && filters[name]) { anyFilter = true; }
    }
    function filterAndCount(hits, shards, shown) {
      self.loadFacets(shards, function () {
        var outcome = self.filtered(hits, filters);
        if (!shown) { onResults(self.results(outcome.hits, words)); }
        onCounts(outcome.counts);
      }, fail);
    }
    if (!words.length) {
      var all = [];
      for (var s = 0; s < this.m.shards.length; s++) { all.push(this.m.shards[s][0]); }
      this.loadFacets(all, function () { filterAndCount(self.everything(), all, false); }, fail);
      return;
    }
    this.matches(words, function (hits, shards) {
      if (!anyFilter) { onResults(self.results(hits, words)); }
      if (!hits.length) { onCounts({}); return; }
      var holding = [];
      for (var h = 0; h < hits.length; h++) {
        if (indexOf(holding, hits[h].shard) < 0) { holding.push(hits[h].shard); }
      }
      filterAndCount(hits, holding, !anyFilter);
    }, fail);
  };

  IndexBackend.prototype.results = function (hits, words) {
    var self = this;
    var list = [];
    for (var h = 0; h < hits.length; h++) {
      (function (hit) {
        list.push({
          load: function (callback, fail) {
            var name = "units/" + self.m.unitIds[hit.unit];
            loadParts([name], function () {
              // [url, title, latest progress, status, latest round, overdue] (search.py unit_search)
              var p = partOf(name).data[hit.position];
              callback({
                url: p[0], title: p[1], unit: self.m.units[hit.unit], status: self.m.statuses[p[3]],
                round: self.m.rounds[p[4]], overdue: !!p[5], excerpt: excerpt(p[2], fold(p[2]), words)
              });
            }, fail);
          }
        });
      })(hits[h]);
    }
    return list;
  };

  function indexOf(list, value) {
    for (var i = 0; i < list.length; i++) {
      if (list[i] === value) { return i; }
    }
    return -1;
  }

  function excerpt(text, folded, words) {
    // A window of the text around the first match, with every match marked. The text is the
    // latest progress only: the title and details are shown above the excerpt already.
    var start = 0;
    var first = -1;
    for (var w = 0; w < words.length; w++) {
      var at = folded.indexOf(words[w]);
      if (at >= 0 && (first < 0 || at < first)) { first = at; }
    }
    if (first > 20) { start = first - 20; }
    var end = Math.min(text.length, start + 90);
    var pieces = [];
    var i = start;
    while (i < end) {
      var next = -1;
      var length = 0;
      for (var k = 0; k < words.length; k++) {
        var found = folded.indexOf(words[k], i);
        if (found >= 0 && found < end && (next < 0 || found < next)) { next = found; length = words[k].length; }
      }
      if (next < 0) { pieces.push({ text: text.slice(i, end) }); break; }
      if (next > i) { pieces.push({ text: text.slice(i, next) }); }
      pieces.push({ text: text.slice(next, next + length), mark: true });
      i = next + length;
    }
    if (start > 0) { pieces.unshift({ text: "…" }); }
    if (end < text.length) { pieces.push({ text: "…" }); }
    return pieces;
  }

  /* ---------- the page ---------- */

  function chosenFilters() {
    var chosen = {};
    for (var i = 0; i < FILTERS.length; i++) {
      var select = selects[FILTERS[i]];
      if (select && select.value) { chosen[FILTERS[i]] = select.value; }
    }
    return chosen;
  }

  function label(option) {
    return option.getAttribute("data-label") || option.value;
  }

  function updateCounts(counts) {
    for (var i = 0; i < FILTERS.length; i++) {
      var name = FILTERS[i];
      var select = selects[name];
      if (!select) { continue; }
      var values = counts[name] || {};
      for (var o = 1; o < select.options.length; o++) {
        var option = select.options[o];
        var count = values[option.value] || 0;
        option.textContent = format(strings.optionCount, { value: label(option), count: count });
      }
    }
  }

  function resetCounts() {
    for (var i = 0; i < FILTERS.length; i++) {
      var select = selects[FILTERS[i]];
      if (!select) { continue; }
      for (var o = 1; o < select.options.length; o++) {
        select.options[o].textContent = label(select.options[o]);
      }
    }
  }

  function byCodePoint(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function fillOptions(found) {
    // Category and location offer the values staff wrote, in Unicode order, stable from one
    // build to the next. A filter is shown only when it has something to offer: a site where no
    // project names its place has no place filter, one where nothing is overdue no overdue filter.
    for (var f = 0; f < FROM_INDEX.length; f++) {
      var name = FROM_INDEX[f];
      var select = selects[name];
      if (!select) { continue; }
      var keep = select.value || pending[name] || "";
      while (select.options.length > 1) { select.removeChild(select.options[1]); }
      var values = found[name].slice().sort(byCodePoint);
      for (var v = 0; v < values.length; v++) {
        var option = element("option", null, values[v]);
        option.value = values[v];
        option.setAttribute("data-label", values[v]);
        select.appendChild(option);
      }
      select.value = indexOf(values, keep) >= 0 ? keep : "";
      reveal(name, values.length > 0);
    }
    reveal("overdue", found.overdue || selects.overdue && !!selects.overdue.value);
    pending = {};
  }

  function reveal(name, shown) {
    var holder = document.getElementById("search-filter-" + name);
    if (holder) { holder.hidden = !shown; }
    if (!shown && selects[name]) { selects[name].value = ""; }
  }

  function remember(query, filters) {
    var params = [];
    if (query) { params.push("q=" + encodeURIComponent(query)); }
    for (var name in filters) {
      if (Object.prototype.hasOwnProperty.call(filters, name)) {
        params.push(name + "=" + encodeURIComponent(filters[name]));
      }
    }
    try {
      history.replaceState(null, "", location.pathname + (params.length ? "?" + params.join("&") : ""));
    } catch (error) {
      // Some browsers refuse this for pages opened from disk; the search still works.
    }
  }

  function renderResult(result) {
    var item = element("li", "search-result");
    var heading = element("h2", "search-result-title");
    var link = element("a", null, result.title);
    link.href = result.url;
    heading.appendChild(link);
    item.appendChild(heading);
    var meta = element("p", "search-result-meta");
    meta.appendChild(element("span", "search-result-unit", result.unit));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(element("span", "status status-" + (statusKeys[result.status] || "unknown"), result.status));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(element("span", "search-result-round", format(strings.latestRound, { round: result.round })));
    if (result.overdue) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(element("span", "status status-overdue", strings.overdue));
    }
    item.appendChild(meta);
    var excerpt = element("p", "search-result-excerpt");
    for (var i = 0; i < result.excerpt.length; i++) {
      var piece = result.excerpt[i];
      excerpt.appendChild(piece.mark ? element("mark", null, piece.text) : document.createTextNode(piece.text));
    }
    item.appendChild(excerpt);
    return item;
  }

  function showMore() {
    var batch = current.results.slice(current.shown, current.shown + PAGE_SIZE);
    var mine = sequence;
    var slots = [];
    for (var i = 0; i < batch.length; i++) {
      var slot = element("li", "search-result");
      resultList.appendChild(slot);
      slots.push(slot);
    }
    current.shown += batch.length;
    moreButton.hidden = current.shown >= current.results.length;
    for (var b = 0; b < batch.length; b++) {
      (function (slot, result) {
        result.load(function (data) {
          if (mine !== sequence) { return; }
          resultList.replaceChild(renderResult(data), slot);
        }, function () { slot.parentNode && slot.parentNode.removeChild(slot); });
      })(slots[b], batch[b]);
    }
  }

  function run() {
    var query = input.value.replace(/^\s+|\s+$/g, "");
    var filters = chosenFilters();
    remember(query, filters);
    var mine = ++sequence;
    resultList.textContent = "";
    moreButton.hidden = true;
    var anyFilter = false;
    for (var name in filters) {
      if (Object.prototype.hasOwnProperty.call(filters, name)) { anyFilter = true; }
    }
    if (!query && !anyFilter) {
      resetCounts();
      setStatus(strings.hint);
      form.setAttribute("data-search-state", "done");
      return;
    }
    form.setAttribute("data-search-state", "searching");
    backend.search(query, filters, function (results) {
      if (mine !== sequence) { return; }
      current = { results: results, shown: 0 };
      if (!results.length) {
        // With no query, the filters alone found nothing: never "nothing matches “”".
        setStatus(query ? format(strings.none, { query: query }) : strings.noneFiltered);
        return;
      }
      setStatus(results.length === 1 ? strings.countOne : format(strings.count, { count: results.length }));
      showMore();
    }, function (counts) {
      if (mine !== sequence) { return; }
      updateCounts(counts);
      form.setAttribute("data-search-state", "done");
    }, function () {
      if (mine !== sequence) { return; }
      form.setAttribute("data-search-state", "done");
      setStatus(strings.failed);
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  }

  function readLocation() {
    var pairs = location.search.replace(/^\?/, "").split("&");
    for (var i = 0; i < pairs.length; i++) {
      if (!pairs[i]) { continue; }
      var eq = pairs[i].indexOf("=");
      var name, value;
      try {
        name = decodeURIComponent(eq < 0 ? pairs[i] : pairs[i].slice(0, eq));
        value = eq < 0 ? "" : decodeURIComponent(pairs[i].slice(eq + 1).replace(/\+/g, " "));
      } catch (error) {
        continue;  // a link cut in the middle of a character (q=%E4): the pair is ignored, search still starts
      }
      if (name === "q") { input.value = value; }
      else if (selects[name]) {
        selects[name].value = value;
        pending[name] = value;  // category and location have no options until the index is loaded
      }
    }
  }

  function begin(chosen) {
    backend = chosen;
    fillOptions(chosen.filterValues());
    form.setAttribute("data-search-mode", chosen.mode);
    input.addEventListener("input", schedule);
    for (var name in selects) {
      if (selects[name]) { selects[name].addEventListener("change", run); }
    }
    moreButton.addEventListener("click", showMore);
    run();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (backend) { clearTimeout(timer); run(); }
  });
  readLocation();
  setStatus(strings.loading);
  loadParts(["index"], function () { begin(new IndexBackend(partOf("index").data)); },
            function () { setStatus(strings.failed); });
})();
