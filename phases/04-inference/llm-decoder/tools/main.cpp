// llm-generate / llm-train: the same glue (tools/cli.cpp), one entry point each.
int LLM_COMMAND(int argc, char** argv);
int main(int argc, char** argv) { return LLM_COMMAND(argc, argv); }
