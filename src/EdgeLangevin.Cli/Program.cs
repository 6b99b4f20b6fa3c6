using EdgeLangevin.Cli;

return CliApp.RunProcess(args);
