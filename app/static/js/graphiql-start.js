// Starts GraphiQL on the explorer page (development only). The session's CSRF token goes with every
// request, so a signed-in developer can run mutations; an API key can be added in the Headers tab.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var fetcher = GraphiQL.createFetcher({ url: root.getAttribute("data-endpoint"), headers: { "X-CSRFToken": token } });
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, { fetcher: fetcher }));
})();
