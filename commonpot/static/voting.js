// Live totals on ballots. The page works without this: "Update totals" asks the server.
(function () {
  "use strict";
  function pounds(pence) {
    var sign = pence < 0 ? "-" : "";
    pence = Math.abs(pence);
    var whole = Math.floor(pence / 100).toLocaleString("en-GB");
    var part = pence % 100;
    return sign + "£" + whole + (part ? "." + String(part).padStart(2, "0") : "");
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
    var strong = document.createElement("strong");
    status.textContent = "";
    if (type === "knapsack") {
      var left = Number(contest.getAttribute("data-budget")) - spent;
      status.append("You have chosen " + pounds(spent) + "; ");
      strong.textContent = pounds(left);
      status.append(strong, " of the budget is left.");
    } else if (type === "cumulative") {
      status.append("You have used " + points + " points; ");
      strong.textContent = String(Number(contest.getAttribute("data-points")) - points);
      status.append(strong, " left to give.");
    } else {
      status.append("You have chosen ");
      strong.textContent = String(chosen);
      status.append(strong, ".");
    }
  }
  document.querySelectorAll("[data-contest]").forEach(function (contest) {
    contest.addEventListener("input", function () { update(contest); });
    contest.addEventListener("change", function () { update(contest); });
  });
})();
