// One image scan of bench/image-scan.js in a fresh process: inventory `oci:DIR` through the
// per-layer cache in CACHE_DIR (or none when it is "-"), as `portcullis scan --image` does.
// Prints { ms, rssMb, packages } as JSON.
import { inventoryImage } from "@portcullis/core";

const [imageDir, cacheDir] = process.argv.slice(2);

const started = performance.now();
const inventory = await inventoryImage(`oci:${imageDir}`, cacheDir === "-" ? {} : { cacheDir });
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, rssMb: Math.round(process.resourceUsage().maxRSS / 1024), packages: inventory.packages.length }));
