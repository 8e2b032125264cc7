export { type AzureLinuxOval, type AzureLinuxOvalOptions, readAzureLinuxOval } from "./azure-linux.js";
