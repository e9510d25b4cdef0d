// The first load's head start: a classic script (async, no imports) that
// asks for the first page's data while the modules are still on their way,
// so that the API's round trip runs beside them instead of after them.
// api.js takes the answer for the same request (method, URL and token) once;
// anything else asks again. Keep EARLY in step with the pages it names.
// The sign-in page calls window.quarryPrefetch too, with the new token and
// the page it goes to, so that the page's data is asked for beside /users/me.
(() => {
  // The hash of a signed-in first page → the request its render makes first.
  const EARLY = {
    "": "/api/v1/jobs?skip=0&limit=20",          // pages/jobs.js (the home)
    "#/jobs": "/api/v1/jobs?skip=0&limit=20",
  };
  window.quarryPrefetch = (hash, token) => {
    const url = EARLY[hash];
    if (!url || !token) return;
    const answer = fetch(url, { headers: { Authorization: "Bearer " + token }, cache: "no-store" });
    answer.catch(() => {}); // api.js asks again when this one failed
    window.quarryEarly = { url, token, answer };
  };
  if (!window.quarryEarly) window.quarryPrefetch(location.hash, sessionStorage.getItem("quarry-token"));
})();
