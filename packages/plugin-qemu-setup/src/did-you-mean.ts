// The table-ownership rule of a whole run (in the CLI) suggests table names with the same function.
export { didYouMean, editDistance } from "@vmforge/kernel";
