// Keyboard: "/" puts the cursor in the search box (unless one is typing in a field already).
// The page works without this script.
document.addEventListener("keydown", (event) => {
  if ((event.key !== "/" && event.code !== "Slash") || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  const box = document.querySelector("input[name=q]");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});
