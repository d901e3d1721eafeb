/* placeholder until the program lands */
#include <stdio.h>
int main(void)
{
	fputs("tcpeekstat: not implemented yet\n", stderr);
	return 1;
}
