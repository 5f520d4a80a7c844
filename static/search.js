/* Project search for the bulletin site.
 *
 * Two backends behind one interface:
 * - Pagefind (served over http/https): its index segments Chinese words.
 * - Offline data (opened from disk, or wherever Pagefind cannot run): a
 *   classic <script> with one record per project, searched here.
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
  var OVERDUE = "yes";  // the overdue filter's value for a project past its due date (search.py OVERDUE_VALUES)

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
      c = t2s[c] || c;
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

  /* ---------- offline backend ---------- */

  function loadScript(src, onLoad, onError) {
    var script = document.createElement("script");
    script.src = src;
    script.onload = onLoad;
    script.onerror = onError;
    document.head.appendChild(script);
  }

  function OfflineBackend(data) {
    this.mode = "offline";
    this.data = data;
    this.folded = [];
    // A project row: [url, title, unit, group, status, latest round, rounds, text not shown as an
    // excerpt, latest progress (the excerpt), category, location, overdue] (search.py offline_rows).
    for (var i = 0; i < data.projects.length; i++) {
      var p = data.projects[i];
      this.folded.push({ title: fold(p[1]), text: fold(p[7] + "\n" + p[8]), excerpt: fold(p[8]) });
    }
  }

  OfflineBackend.prototype.valuesOf = function (p, name) {
    // The values a project has for a filter, as its options name them (none: "").
    var d = this.data;
    if (name === "round") {
      var rounds = [];
      for (var r = 0; r < p[6].length; r++) { rounds.push(d.rounds[p[6][r]]); }
      return rounds;
    }
    var value = { unit: d.units[p[2]], group: d.groups[p[3]], status: d.statuses[p[4]],
                  category: p[9], location: p[10], overdue: p[11] }[name];
    return value ? [value] : [];
  };

  OfflineBackend.prototype.filterValues = function () {
    // What the filters filled from the index offer, and whether any project is overdue.
    var found = { category: [], location: [], overdue: false };
    var seen = { category: {}, location: {} };
    for (var i = 0; i < this.data.projects.length; i++) {
      var p = this.data.projects[i];
      for (var f = 0; f < FROM_INDEX.length; f++) {
        var values = this.valuesOf(p, FROM_INDEX[f]);
        for (var v = 0; v < values.length; v++) {
          if (!Object.prototype.hasOwnProperty.call(seen[FROM_INDEX[f]], values[v])) {
            seen[FROM_INDEX[f]][values[v]] = true;
            found[FROM_INDEX[f]].push(values[v]);
          }
        }
      }
      if (p[11] === OVERDUE) { found.overdue = true; }
    }
    return found;
  };

  OfflineBackend.prototype.search = function (query, filters, done) {
    // Each option's count is what choosing it would give: the query and the OTHER filters chosen
    // (a faceted count), so a project failing one filter only still counts for that filter's options.
    var words = terms(query);
    var hits = [];
    var counts = {};
    for (var c = 0; c < FILTERS.length; c++) { counts[FILTERS[c]] = {}; }
    for (var i = 0; i < this.data.projects.length; i++) {
      var p = this.data.projects[i];
      var folded = this.folded[i];
      var score = 0;
      var ok = true;
      for (var w = 0; w < words.length; w++) {
        var inTitle = folded.title.indexOf(words[w]) >= 0;
        var inText = folded.text.indexOf(words[w]) >= 0;
        if (!inTitle && !inText) { ok = false; break; }
        score += inTitle ? 10 : 1;
      }
      if (!ok) { continue; }
      var failed = [];
      for (var f = 0; f < FILTERS.length && failed.length < 2; f++) {
        var wanted = filters[FILTERS[f]];
        if (wanted && indexOf(this.valuesOf(p, FILTERS[f]), wanted) < 0) { failed.push(FILTERS[f]); }
      }
      if (failed.length > 1) { continue; }
      if (!failed.length) { hits.push({ index: i, score: score }); }
      for (var n = 0; n < FILTERS.length; n++) {
        if (failed.length && failed[0] !== FILTERS[n]) { continue; }
        var values = this.valuesOf(p, FILTERS[n]);
        for (var v = 0; v < values.length; v++) {
          counts[FILTERS[n]][values[v]] = (counts[FILTERS[n]][values[v]] || 0) + 1;
        }
      }
    }
    hits.sort(function (a, b) { return b.score - a.score || a.index - b.index; });
    var self = this;
    var results = [];
    for (var h = 0; h < hits.length; h++) {
      results.push(self.result(hits[h].index, words));
    }
    done(results, counts);
  };

  OfflineBackend.prototype.result = function (index, words) {
    var d = this.data;
    var p = d.projects[index];
    var folded = this.folded[index].excerpt;
    return {
      load: function (callback) {
        callback({
          url: p[0], title: p[1], unit: d.units[p[2]], status: d.statuses[p[4]],
          round: d.rounds[p[5]], overdue: p[11] === OVERDUE, excerpt: offlineExcerpt(p[8], folded, words)
        });
      }
    };
  };

  function indexOf(list, value) {
    for (var i = 0; i < list.length; i++) {
      if (list[i] === value) { return i; }
    }
    return -1;
  }

  function offlineExcerpt(text, folded, words) {
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

  /* ---------- Pagefind backend ---------- */

  // The filter each shard's records carry (Pagefind's mergeFilter), its value the
  // shard's number: "0" for the index search-pagefind.js imports.
  var SHARD_FILTER = "bulletin-shard";

  function PagefindBackend(pagefind, shards, totals) {
    this.mode = "pagefind";
    this.pagefind = pagefind;
    this.shards = shards;  // how many indexes were merged into one (1: a single index)
    this.totals = totals || {};  // every filter value's count over the whole index
    this.known = {};
  }

  PagefindBackend.prototype.filterValues = function () {
    var found = { category: [], location: [], overdue: (this.totals.overdue || {})[OVERDUE] > 0 };
    for (var f = 0; f < FROM_INDEX.length; f++) {
      var values = this.totals[FROM_INDEX[f]] || {};
      for (var value in values) {
        if (Object.prototype.hasOwnProperty.call(values, value)) { found[FROM_INDEX[f]].push(value); }
      }
    }
    return found;
  };

  var CJK_RUN = /[\u3400-\u9fff\uf900-\ufaff]+/g;
  var LATIN_RUN = /[0-9a-z]+/g;

  function searchTokens(query) {
    // The index holds prefix-free tokens (see search_tokens in bulletin/search.py):
    // pairs of Chinese characters written as code points, and Latin runs. A query
    // is cut the same way, so any substring is found whatever a segmenter makes of it.
    var folded = fold(query);
    var tokens = [];
    var seen = {};
    function add(token) {
      if (!Object.prototype.hasOwnProperty.call(seen, token)) { seen[token] = true; tokens.push(token); }
    }
    function code(character) {
      var digits = String(character.charCodeAt(0));
      while (digits.length < 5) { digits = "0" + digits; }
      return digits;
    }
    var runs = folded.match(CJK_RUN) || [];
    for (var r = 0; r < runs.length; r++) {
      // One character: every pair it begins (a prefix). Longer: each of its pairs.
      if (runs[r].length === 1) { add("a" + code(runs[r])); }
      for (var i = 0; i + 1 < runs[r].length; i++) { add("a" + code(runs[r].charAt(i)) + code(runs[r].charAt(i + 1))); }
    }
    // Latin and digit runs as prefixes, each "z" written "zy": "c500" finds "c5000zz".
    var latin = folded.match(LATIN_RUN) || [];
    for (var l = 0; l < latin.length; l++) { add("c" + latin[l].replace(/z/g, "zy")); }
    return tokens;
  }

  PagefindBackend.prototype.shardsHolding = function (word) {
    // The shards whose index holds the word, as a map from shard number to true.
    var self = this;
    if (Object.prototype.hasOwnProperty.call(self.known, word)) { return Promise.resolve(self.known[word]); }
    return self.pagefind.search(word).then(function (response) {
      var holding = {};
      if (response && response.results.length) {
        if (self.shards === 1) {
          holding["0"] = true;
        } else {
          var counts = (response.filters && response.filters[SHARD_FILTER]) || {};
          for (var shard in counts) {
            if (Object.prototype.hasOwnProperty.call(counts, shard) && counts[shard] > 0) { holding[shard] = true; }
          }
        }
      }
      self.known[word] = holding;
      return holding;
    });
  };

  PagefindBackend.prototype.shardsWithEveryWord = function (words) {
    // Pagefind quietly ignores a word that is nowhere in an index, so "开发区"
    // would list everything containing "区". Citizens expect every word to
    // count, as in the offline search: if one word is unknown, nothing matches.
    // A merged index is searched shard by shard, each ignoring the words it lacks:
    // so only the shards that hold every word are searched (none: nothing matches).
    // Answers null when every shard may be searched, else the list of shards.
    var self = this;
    var checks = [];
    for (var w = 0; w < words.length; w++) { checks.push(self.shardsHolding(words[w])); }
    return Promise.all(checks).then(function (found) {
      var shards = [];
      for (var s = 0; s < self.shards; s++) {
        var everyWord = true;
        for (var f = 0; f < found.length; f++) {
          if (!Object.prototype.hasOwnProperty.call(found[f], String(s))) { everyWord = false; }
        }
        if (everyWord) { shards.push(String(s)); }
      }
      return shards.length === self.shards ? null : shards;
    });
  };

  PagefindBackend.prototype.search = function (query, filters, done, fail) {
    var chosen = {};
    for (var i = 0; i < FILTERS.length; i++) {
      if (filters[FILTERS[i]]) { chosen[FILTERS[i]] = filters[FILTERS[i]]; }
    }
    var tokens = searchTokens(query);
    var typed = terms(query);
    var pagefind = this.pagefind;
    var check = tokens.length ? this.shardsWithEveryWord(tokens) : Promise.resolve(query ? [] : null);
    var totals = this.totals;
    check.then(function (shards) {
      if (shards && !shards.length) { done([], {}); return null; }
      if (shards) { chosen[SHARD_FILTER] = { any: shards }; }
      var term = tokens.length ? tokens.join(" ") : null;
      // Each option's count is what choosing it would give (as offline): for each filter chosen,
      // the counts of its options come from a search without it. With no query and no other
      // filter, that is the whole index, whose counts were read when it loaded.
      var searches = [pagefind.search(term, { filters: chosen })];
      var facets = [];
      for (var name in chosen) {
        if (!Object.prototype.hasOwnProperty.call(chosen, name) || name === SHARD_FILTER) { continue; }
        var others = {};
        var any = false;
        for (var other in chosen) {
          if (Object.prototype.hasOwnProperty.call(chosen, other) && other !== name) {
            others[other] = chosen[other];
            any = true;
          }
        }
        facets.push(name);
        searches.push(term === null && !any ? Promise.resolve({ filters: totals })
                                            : pagefind.search(term, { filters: others }));
      }
      return Promise.all(searches).then(function (responses) {
        var response = responses[0];
        if (!response) { done([], {}); return; }
        var results = [];
        for (var r = 0; r < response.results.length; r++) {
          results.push(pagefindResult(response.results[r], typed));
        }
        var counts = {};
        var all = response.filters || {};
        for (var c = 0; c < FILTERS.length; c++) { counts[FILTERS[c]] = all[FILTERS[c]] || {}; }
        for (var f = 0; f < facets.length; f++) {
          counts[facets[f]] = (responses[f + 1] && responses[f + 1].filters || {})[facets[f]] || {};
        }
        done(results, counts);
      });
    }).then(null, fail);
  };

  function pagefindResult(hit, words) {
    return {
      load: function (callback, fail) {
        hit.data().then(function (data) {
          // The index holds character pairs, not prose: the excerpt is cut from the
          // project's latest progress (a meta value, plain text) exactly as in the offline search.
          var text = data.meta.excerpt || "";
          callback({
            url: pageLink(data.url), title: data.meta.title, unit: data.meta.unit,
            status: data.meta.status, round: data.meta.round, overdue: data.meta.overdue === OVERDUE,
            excerpt: offlineExcerpt(text, fold(text), words)
          });
        }, fail);
      }
    };
  }

  function absolute(url) {
    // Resolved as a link on this page would be (an <a> does it in every browser).
    var anchor = document.createElement("a");
    anchor.href = url;
    return anchor.href;
  }

  // The folder of this page, which is the site's root: result URLs are made relative to it.
  var pageFolder = absolute("./");

  function pageLink(url) {
    // Pagefind gives a result's URL from the site's root ("/projects/u/p.html", or
    // "/sub/projects/u/p.html" when the site is served under /sub/); the link must be
    // relative to this page, so the site works under any sub-path.
    var full = absolute(url);
    return full.indexOf(pageFolder) === 0 ? full.slice(pageFolder.length) : full;
  }

  function mergeShards(pagefind, folders) {
    // A large site's index is built in shards; shard 0 is the index search-pagefind.js
    // imports, the others are merged into it, one after the other, before anything is
    // searched. Their results, counts and filter counts then come back as one index's.
    // Each shard's records carry SHARD_FILTER with its number (see shardsWithEveryWord).
    // Pagefind loads a merged index inside its web worker, where a relative path would be
    // resolved against the worker's own script: each folder is resolved against this page
    // and, as Pagefind does for its primary index, written from the site's origin
    // ("/pagefind/shard-1/"), so the URLs of its results take the same form as the
    // primary's.
    var chain = Promise.resolve();
    var origin = location.protocol + "//" + location.host;
    for (var i = 0; i < folders.length; i++) {
      (function (folder, number) {
        chain = chain.then(function () {
          var path = absolute(folder);
          if (path.indexOf(origin + "/") === 0) { path = path.slice(origin.length); }
          var options = { excerptLength: 40, mergeFilter: {} };
          options.mergeFilter[SHARD_FILTER] = String(number);
          return pagefind.mergeIndex(path, options);
        });
      })(folders[i], i + 1);
    }
    return chain;
  }

  function loadPagefind(onReady, onFail) {
    var modules = "noModule" in document.createElement("script");
    if (location.protocol === "file:" || !modules || typeof WebAssembly !== "object") {
      onFail();
      return;
    }
    var settled = false;
    function fail() { if (!settled) { settled = true; onFail(); } }
    window.addEventListener("bulletin-pagefind", function () {
      if (settled) { return; }
      settled = true;
      var pagefind = window.bulletinPagefind;
      var merged = config.pagefindMerge || [];
      // Options first: they are the primary index's, and take effect when it starts.
      // Then the other shards, each with a filter naming it; then filters(), which loads
      // every filter's data of every index, so counts come back for all of them. A shard
      // that cannot be merged would leave its projects unfound: the page then searches
      // its offline data instead.
      var options = { excerptLength: 40 };
      if (merged.length) {
        options.mergeFilter = {};
        options.mergeFilter[SHARD_FILTER] = "0";
      }
      pagefind.options(options).then(function () {
        return mergeShards(pagefind, merged);
      }).then(function () {
        return pagefind.filters();
      }).then(function (totals) { onReady(pagefind, merged.length + 1, totals); }, onFail);
    });
    var script = document.createElement("script");
    script.type = "module";
    script.src = config.pagefindModule;
    script.onerror = fail;
    document.head.appendChild(script);
    setTimeout(fail, 10000);
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
    // Category and location offer the values staff wrote, in Unicode order: the same in both
    // backends (Pagefind lists a filter's values in no order of the site's), and stable from one
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
      return;
    }
    backend.search(query, filters, function (results, counts) {
      if (mine !== sequence) { return; }
      current = { results: results, shown: 0 };
      updateCounts(counts);
      if (!results.length) {
        // With no query, the filters alone found nothing: never "nothing matches “”".
        setStatus(query ? format(strings.none, { query: query }) : strings.noneFiltered);
        return;
      }
      setStatus(results.length === 1 ? strings.countOne : format(strings.count, { count: results.length }));
      showMore();
    }, function () {
      if (mine !== sequence) { return; }
      // Pagefind failed at search time (e.g. WebAssembly blocked): fall back for good.
      startOffline(run);
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
      var name = decodeURIComponent(eq < 0 ? pairs[i] : pairs[i].slice(0, eq));
      var value = eq < 0 ? "" : decodeURIComponent(pairs[i].slice(eq + 1).replace(/\+/g, " "));
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
    if (chosen.mode === "offline" && location.protocol === "file:") {
      var note = element("p", "search-offline-note", strings.offline);
      form.parentNode.insertBefore(note, form.nextSibling);
    }
    input.addEventListener("input", schedule);
    for (var name in selects) {
      if (selects[name]) { selects[name].addEventListener("change", run); }
    }
    moreButton.addEventListener("click", showMore);
    run();
  }

  function startOffline(then) {
    if (window.BULLETIN_SEARCH_DATA) {
      backend = new OfflineBackend(window.BULLETIN_SEARCH_DATA);
      if (then) { fillOptions(backend.filterValues()); }
      form.setAttribute("data-search-mode", "offline");
      if (then) { then(); } else { begin(backend); }
      return;
    }
    loadScript(config.offlineData, function () {
      backend = new OfflineBackend(window.BULLETIN_SEARCH_DATA);
      if (then) { fillOptions(backend.filterValues()); }
      form.setAttribute("data-search-mode", "offline");
      if (then) { then(); } else { begin(backend); }
    }, function () { setStatus(strings.failed); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (backend) { clearTimeout(timer); run(); }
  });
  readLocation();
  setStatus(strings.loading);
  loadPagefind(function (pagefind, shards, totals) { begin(new PagefindBackend(pagefind, shards, totals)); },
               function () { startOffline(); });
})();
