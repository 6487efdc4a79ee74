/* proxy/best.c: which final answer a forking proxy sends upstream when no branch
 * answered 2xx (RFC 3261 16.7 step 6) and what that answer looks like (step 7). Pure
 * functions: core.c feeds every branch's final status through proxy_best_better and
 * asks proxy_best_upstream / proxy_best_merges_challenges when it sends. */
#include "proxy.h"

/* Smaller is better. A 6xx ends the search (16.7 step 6: "choose from the 6xx class if
 * any"); otherwise the lowest class wins. Inside 4xx the RFC says to prefer 401, 407,
 * 415, 420 and 484: the challenges come first (their merged header fields are the only
 * way the caller learns every realm it must answer), then 415/420/484 whose Accept,
 * Unsupported or nothing-more-to-dial tell the caller how to fix its request. Inside
 * 5xx a 503 ranks last: it is sent on as a 500 anyway and says the least. */
unsigned proxy_best_rank(unsigned status)
{
	if (status >= 600 && status < 700)
		return 0;
	if (status >= 300 && status < 400)
		return 100;
	if (status >= 400 && status < 500) {
		switch (status) {
		case 401:
		case 407: return 200;
		case 415:
		case 420:
		case 484: return 210;
		default: return 220;
		}
	}
	if (status >= 500 && status < 600)
		return status == 503 ? 310 : 300;
	return 400; /* not a final non-2xx status: only chosen when nothing else came */
}

bool proxy_best_better(unsigned status, unsigned best)
{
	if (!best)
		return true;
	/* Equal ranks keep the first: it arrived first and is as good. */
	return proxy_best_rank(status) < proxy_best_rank(best);
}

unsigned proxy_best_upstream(unsigned status)
{
	/* 16.7 step 6: a 503 is not passed on (it would make the caller think this proxy
	 * is unavailable, and retry elsewhere); it becomes 500. */
	return status == 503 ? 500 : status;
}

bool proxy_best_merges_challenges(unsigned status)
{
	return status == 401 || status == 407;
}
