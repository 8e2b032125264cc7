export { evaluateGate } from "./evaluate.js";
