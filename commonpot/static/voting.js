// Live totals on ballots. The page works without this: "Update totals" asks the server.
// The words come from the page (data-message, in the reader's language), with {spent},
// {left}, {used} and {chosen} for the figures and <strong> around the one that matters.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var locale = lang === "en" ? "en-GB" : lang + "-GB";
  function pounds(pence) {
    var sign = pence < 0 ? "-" : "";
    pence = Math.abs(pence);
    var whole = Math.floor(pence / 100).toLocaleString(locale);
    var part = pence % 100;
    return sign + "£" + whole + (part ? "." + String(part).padStart(2, "0") : "");
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
    });
  }
  function render(status, values) {
    var message = status.getAttribute("data-message") || "";
    status.textContent = "";
    message.split(/(<strong>.*?<\/strong>)/).forEach(function (part) {
      if (!part) { return; }
      var bold = part.match(/^<strong>(.*?)<\/strong>$/);
      if (bold) {
        var strong = document.createElement("strong");
        strong.textContent = fill(bold[1], values);
        status.append(strong);
      } else {
        status.append(fill(part, values));
      }
    });
  }
  function update(contest) {
    var type = contest.getAttribute("data-type");
    var status = contest.querySelector("[data-status]");
    if (!status) { return; }
    var inputs = contest.querySelectorAll("input[data-cost]");
    var spent = 0, chosen = 0, points = 0;
    inputs.forEach(function (input) {
      if (input.type === "checkbox") {
        if (input.checked) { chosen += 1; spent += Number(input.getAttribute("data-cost")); }
      } else if (input.value.trim() !== "") {
        var value = parseInt(input.value, 10) || 0;
        if (value > 0) { chosen += 1; points += value; }
      }
    });
    if (type === "knapsack") {
      var left = Number(contest.getAttribute("data-budget")) - spent;
      render(status, {spent: pounds(spent), left: pounds(left)});
    } else if (type === "cumulative") {
      render(status, {used: String(points),
                      left: String(Number(contest.getAttribute("data-points")) - points)});
    } else {
      render(status, {chosen: String(chosen)});
    }
  }
  document.querySelectorAll("[data-contest]").forEach(function (contest) {
    contest.addEventListener("input", function () { update(contest); });
    contest.addEventListener("change", function () { update(contest); });
  });
})();
