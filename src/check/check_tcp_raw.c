/* placeholder until the program lands */
#include <stdio.h>
int main(void)
{
	fputs("check_tcp_raw: not implemented yet\n", stderr);
	return 1;
}
