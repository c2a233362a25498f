/**
 * HTTP without a transport: the route table ({@code HttpRouter}, {@code Route}), handlers by area (boot,
 * seed, API, status, web, files) over plain request and response records, and {@code HttpResponder}, which
 * the transport hands requests to and which keeps the access log and metrics. Uses {@code boot} and below.
 */
package dev.metis.http;
