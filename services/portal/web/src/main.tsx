// Entry point: styles, then the app into #app.
import { render } from 'preact';
import { App } from './app.js';
import { startServiceWorker } from './offline/service-worker.js';
import './styles.css';

render(<App />, document.getElementById('app') as HTMLElement);
startServiceWorker();
