using EdgeLangevin.Cli;

return CliApp.Run(args);
