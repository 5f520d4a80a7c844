// Loads Pagefind's browser API as a module and hands it to search.js.
// Browsers refuse modules on pages opened from disk; search.js then uses its offline data.
import * as pagefind from "../pagefind/pagefind.js";

window.bulletinPagefind = pagefind;
window.dispatchEvent(new Event("bulletin-pagefind"));
