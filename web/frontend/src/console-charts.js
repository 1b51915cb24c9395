// Chart.js for the console's dashboard: every controller, scale and plugin registered, exposed as window.Chart.
import { Chart, registerables } from "chart.js";

Chart.register(...registerables);
window.Chart = Chart;
