'use strict';
// Lists the containers through the preload's window.lucidDocker; text only, never HTML from data.
async function showContainers() {
  const status = document.getElementById('status');
  const list = document.getElementById('containers');
  try {
    const { containers } = await window.lucidDocker.containers.list({ all: true });
    list.replaceChildren(
      ...containers.map((c) => {
        const item = document.createElement('li');
        item.textContent = `${c.name} — ${c.state}`;
        return item;
      }),
    );
    status.textContent = `${containers.length} containers`;
  } catch (err) {
    status.textContent = `Cannot list containers: ${err.message}`;
  }
}

void showContainers();
