/*
 * Parley "Chat with support" button for an organisation's own web site:
 *
 *   <script src="https://parley.example.org/embed.js" data-queue="billing"
 *           data-label="Chat with support" data-customer="<signed token>" async></script>
 *
 * Adds a button where the script tag is (or inside the element whose id is `data-target`) that
 * opens the Parley portal (/support) in a popup window, or in a new tab where popups are
 * blocked. The signed customer token goes in the address *fragment*, which browsers never send
 * to a server, so it stays out of every access log. Optional: data-lang="en|fr" (portal language).
 * No dependencies, no cookies, nothing sent anywhere before the click.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin = new URL(script.src).origin;
  var data = script.dataset;
  var params = new URLSearchParams();
  if (data.queue) params.set('queue', data.queue);
  if (data.lang) params.set('lang', data.lang);
  var query = params.toString();
  var url = origin + '/support' + (query ? '?' + query : '') + (data.customer ? '#signed=' + encodeURIComponent(data.customer) : '');

  // A link styled as a button: if the popup cannot open, the click follows the link into a new tab.
  var button = document.createElement('a');
  button.href = url;
  button.target = '_blank';
  button.rel = 'noopener';
  button.setAttribute('role', 'button');
  button.className = 'parley-chat-button';
  button.textContent = data.label || 'Chat with support';
  var style = button.style;
  style.display = 'inline-block';
  style.padding = '0.6em 1.1em';
  style.borderRadius = '8px';
  style.background = data.color || '#2f5bea';
  style.color = '#fff';
  style.font = '600 1rem system-ui, sans-serif';
  style.textDecoration = 'none';
  style.cursor = 'pointer';
  button.addEventListener('keydown', function (event) {
    // role=button: Space activates it like a button (Enter already follows the link).
    if (event.key === ' ') {
      event.preventDefault();
      button.click();
    }
  });
  button.addEventListener('click', function (event) {
    var width = Math.min(520, screen.availWidth);
    var height = Math.min(760, screen.availHeight);
    var left = Math.max(0, (screen.availWidth - width) / 2);
    var top = Math.max(0, (screen.availHeight - height) / 2);
    var popup = window.open(url, 'parley-support', 'popup,width=' + width + ',height=' + height + ',left=' + left + ',top=' + top);
    if (popup) event.preventDefault(); // opened: do not also open the tab
  });

  var target = data.target ? document.getElementById(data.target) : null;
  if (target) target.appendChild(button);
  else if (script.parentNode) script.parentNode.insertBefore(button, script.nextSibling);
})();
