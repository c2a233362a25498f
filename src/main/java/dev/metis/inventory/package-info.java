/**
 * The inventory: YAML read with positions, checked against the schema, classes merged into nodes.
 * Problems name file, line and field. Uses {@code net} and {@code files}.
 */
package dev.metis.inventory;
